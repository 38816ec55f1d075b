import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Messages API (POST {base}/v1/messages) for offline runs and tests, answering as Anthropic does: the API
 * key in `x-api-key` (or `Authorization: Bearer`, which the SDK sends), a dated `anthropic-version` header, JSON
 * bodies validated for the fields the API requires, tool-use answers, Anthropic's error envelope, and 429 with
 * `retry-after`. Any path prefix before /v1/messages is accepted, so the same fake stands in for Kimi's
 * Anthropic-compatible base URL (.../anthropic). Every request body is recorded.
 */

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: MessagesRequestBody;
}

export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  system?: string | { type: 'text'; text: string }[];
  messages: { role: 'user' | 'assistant'; content: unknown }[];
  tools?: { name: string; description?: string; input_schema: unknown }[];
  tool_choice?: { type: string; name?: string };
  [key: string]: unknown;
}

/** What the fake answers to one request. */
export type ScriptedReply =
  | { kind: 'tool'; name?: string; input: unknown; usage?: Usage }
  | { kind: 'text'; text: string; usage?: Usage }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'delay'; ms: number; then: ScriptedReply };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

export interface AnthropicFake {
  /** The base URL for the SDK (`new Anthropic({ baseURL })`); add `/anthropic` to play Kimi. */
  url: string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order; after them `fallback` answers. */
  enqueue(...replies: ScriptedReply[]): void;
  /** The answer when nothing is queued (default: the first tool offered, called with `{}`). */
  fallback: (body: MessagesRequestBody) => ScriptedReply;
  close(): Promise<void>;
}

const VERSION = /^\d{4}-\d{2}-\d{2}$/;

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(8).toString('hex')}`,
    ...headers,
  });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The API's own request checks, so a malformed call from NEMO fails here as it would there. */
function bodyProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body: expected a JSON object';
  const b = body as Partial<MessagesRequestBody>;
  if (typeof b.model !== 'string' || b.model === '') return 'model: Field required';
  if (!Number.isInteger(b.max_tokens) || b.max_tokens! < 1) return 'max_tokens: Field required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages: at least one message is required';
  if (b.messages[0]!.role !== 'user') return 'messages: first message must use the "user" role';
  if (
    b.tools !== undefined &&
    (!Array.isArray(b.tools) || b.tools.some((t) => typeof t?.name !== 'string' || typeof t.input_schema !== 'object'))
  ) {
    return 'tools: each tool needs a name and an input_schema';
  }
  if (b.tool_choice?.type === 'tool' && !b.tools?.some((t) => t.name === b.tool_choice!.name)) {
    return `tool_choice: tool ${b.tool_choice.name} is not in tools`;
  }
  return undefined;
}

export async function startAnthropicFake(options: { apiKey: string }): Promise<AnthropicFake> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const fake: AnthropicFake = {
    url: '',
    requests,
    enqueue: (...replies) => queue.push(...replies),
    fallback: (body) => ({ kind: 'tool', name: body.tools?.[0]?.name ?? 'tool', input: {} }),
    close: async () => undefined,
  };

  const answer = async (res: ServerResponse, body: MessagesRequestBody, reply: ScriptedReply): Promise<void> => {
    const usage = { input_tokens: 200, output_tokens: 40 };
    switch (reply.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, reply.ms));
        return answer(res, body, reply.then);
      case 'rate-limit':
        return sendError(
          res,
          429,
          'rate_limit_error',
          'Number of request tokens has exceeded your per-minute rate limit',
          {
            'retry-after': String(reply.retryAfterSeconds),
          },
        );
      case 'error':
        return sendError(res, reply.status, reply.type, reply.message);
      default: {
        const content =
          reply.kind === 'tool'
            ? [
                {
                  type: 'tool_use',
                  id: `toolu_${randomBytes(12).toString('hex')}`,
                  name: reply.name ?? body.tools?.[0]?.name ?? 'tool',
                  input: reply.input,
                },
              ]
            : [{ type: 'text', text: reply.text }];
        res.writeHead(200, {
          'content-type': 'application/json',
          'request-id': `req_${randomBytes(8).toString('hex')}`,
        });
        res.end(
          JSON.stringify({
            id: `msg_${randomBytes(12).toString('hex')}`,
            type: 'message',
            role: 'assistant',
            model: body.model,
            content,
            stop_reason: reply.kind === 'tool' ? 'tool_use' : 'end_turn',
            stop_sequence: null,
            usage: reply.usage ?? usage,
          }),
        );
      }
    }
  };

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method !== 'POST' || !path.endsWith('/v1/messages'))
      return sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${path}`);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const key = req.headers['x-api-key'] ?? bearer;
    if (key === undefined) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (key !== options.apiKey) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string' || !VERSION.test(version)) {
      return sendError(
        res,
        400,
        'invalid_request_error',
        'anthropic-version: header is required (a date such as 2023-06-01)',
      );
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendError(
        res,
        400,
        'invalid_request_error',
        'There was an issue with the format of your request: invalid JSON',
      );
    }
    const problem = bodyProblem(body);
    if (problem) return sendError(res, 400, 'invalid_request_error', problem);
    const request = body as MessagesRequestBody;
    // Recorded without the credential headers, so a test's output never shows a key.
    const { authorization: _auth, 'x-api-key': _key, ...headers } = req.headers;
    requests.push({ path, headers, body: request });
    await answer(res, request, queue.shift() ?? fake.fallback(request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}
