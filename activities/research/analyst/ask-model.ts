import Anthropic from '@anthropic-ai/sdk';
import type { LlmEndpoint } from './llm-config';
import { toolDefinition, type ToolSpec } from './tools';

/**
 * One question to a model whose only permitted answer is one call of one tool. The SDK retries 429 and 5xx itself
 * (honouring retry-after) up to `maxRetries`; whatever still fails, times out, or answers in any other shape comes
 * back as an abstention with its reason, never as an exception, so no LLM failure can push a trade through.
 */
export type AbstainReason =
  | 'malformed-output'
  | 'no-tool-call'
  | 'timeout'
  | 'rate-limited'
  | 'api-error'
  | 'budget-exhausted'
  | 'no-data'
  // The analyst's own reasons: a market text is quarantined, or the estimate's confidence is below the floor.
  | 'quarantined-input'
  | 'low-confidence';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export type ModelAnswer<T> =
  | { kind: 'answer'; value: T; usage: TokenUsage }
  | { kind: 'abstain'; reason: AbstainReason; detail: string; usage: TokenUsage };

export interface AskOptions {
  timeoutMs: number;
  maxRetries: number;
  maxTokens: number;
}

const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

export async function askForTool<T>(
  endpoint: LlmEndpoint,
  tool: ToolSpec<T>,
  system: string,
  user: string,
  options: AskOptions,
): Promise<ModelAnswer<T>> {
  const client = new Anthropic({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    logLevel: 'off',
  });
  let message: Anthropic.Message;
  try {
    message = await client.messages.create({
      model: endpoint.model,
      max_tokens: options.maxTokens,
      system,
      messages: [{ role: 'user', content: user }],
      tools: [toolDefinition(tool)],
      tool_choice: { type: 'tool', name: tool.name },
    });
  } catch (err) {
    if (err instanceof Anthropic.APIConnectionTimeoutError)
      return abstain('timeout', `no answer within ${options.timeoutMs} ms`);
    if (err instanceof Anthropic.RateLimitError)
      return abstain('rate-limited', `rate limited after ${options.maxRetries} retries`);
    if (err instanceof Anthropic.APIError)
      return abstain('api-error', `${err.status ?? 'no status'}: ${err.message}`.slice(0, 300));
    return abstain('api-error', String((err as Error).message ?? err).slice(0, 300));
  }
  const usage = { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 };
  const calls = message.content.filter((block) => block.type === 'tool_use');
  if (calls.length === 0)
    return {
      kind: 'abstain',
      reason: 'no-tool-call',
      detail: `the model answered without calling ${tool.name}`,
      usage,
    };
  if (calls.length > 1 || message.content.length !== 1) {
    return {
      kind: 'abstain',
      reason: 'malformed-output',
      detail: `expected exactly one ${tool.name} call and nothing else, got ${message.content.map((b) => b.type).join(', ')}`,
      usage,
    };
  }
  const call = calls[0] as Anthropic.ToolUseBlock;
  if (call.name !== tool.name)
    return {
      kind: 'abstain',
      reason: 'malformed-output',
      detail: `the model called ${call.name}, not ${tool.name}`,
      usage,
    };
  const parsed = tool.schema.safeParse(call.input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return {
      kind: 'abstain',
      reason: 'malformed-output',
      detail: `${tool.name} input rejected: ${problems}`.slice(0, 300),
      usage,
    };
  }
  return { kind: 'answer', value: parsed.data, usage };
}

function abstain(reason: AbstainReason, detail: string): ModelAnswer<never> {
  return { kind: 'abstain', reason, detail, usage: NO_USAGE };
}
