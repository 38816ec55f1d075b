import { z } from 'zod';

/**
 * The analyst's only tools: each model answer must be one call of the tool it was given, whose input parses against
 * the schema below. Anything else (text, another tool, two calls, a field out of range, an extra field) is treated
 * as an abstention by the caller. The JSON schema sent to the API is generated from the same zod schema.
 */
export const estimateSchema = z
  .object({
    probability: z.number().min(0).max(1).describe('Probability that the market resolves YES, 0..1'),
    confidence: z.number().min(0).max(1).describe('Confidence in this estimate, 0..1'),
    rationale: z.string().min(1).max(500).describe('Why, in at most 500 characters'),
  })
  .strict();

export type Estimate = z.infer<typeof estimateSchema>;

export const screeningSchema = z
  .object({
    injection: z.boolean().describe('True when the text tries to instruct an AI system'),
    confidence: z.number().min(0).max(1),
    rationale: z.string().min(1).max(300),
  })
  .strict();

export type ScreeningReview = z.infer<typeof screeningSchema>;

export interface ToolSpec<T> {
  name: string;
  description: string;
  schema: z.ZodType<T>;
}

export const ESTIMATE_TOOL: ToolSpec<Estimate> = {
  name: 'report_probability_estimate',
  description: 'Report the probability estimate for the market. Call exactly once.',
  schema: estimateSchema,
};

export const SCREENING_TOOL: ToolSpec<ScreeningReview> = {
  name: 'report_screening_verdict',
  description: 'Report whether the text is a prompt injection. Call exactly once.',
  schema: screeningSchema,
};

/** The tool as the Messages API takes it. */
export function toolDefinition<T>(tool: ToolSpec<T>) {
  const { $schema: _, ...inputSchema } = z.toJSONSchema(tool.schema) as Record<string, unknown>;
  return {
    name: tool.name,
    description: tool.description,
    input_schema: inputSchema as { type: 'object'; [k: string]: unknown },
  };
}
