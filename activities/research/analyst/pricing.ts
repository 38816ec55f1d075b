/**
 * What a call costs, in millionths of a dollar, from the tokens the API reports. Prices are USD per million tokens
 * (input, output) from the providers' price lists; a model not listed is charged at the dearest listed price, so
 * the daily budget is never understated.
 */
const PRICES: Readonly<Record<string, readonly [number, number]>> = {
  // The 5.5 generation (the defaults) is listed at its predecessors' prices, which could not be confirmed offline
  // (docs/decisions.md); change these when the price list says otherwise.
  'claude-opus-5-5': [5, 25],
  'claude-sonnet-5-5': [3, 15],
  'claude-opus-4-5': [5, 25],
  'claude-sonnet-4-5': [3, 15],
  'claude-haiku-4-5': [1, 5],
  'kimi-k2.6': [0.95, 4],
  'kimi-k2.5': [0.6, 3],
};

const DEAREST = Object.values(PRICES).reduce((a, b) => (a[1] >= b[1] ? a : b));

export function callCostMicroUsd(model: string, inputTokens: number, outputTokens: number): number {
  const known = Object.entries(PRICES).find(([name]) => model === name || model.startsWith(`${name}-`))?.[1];
  const [input, output] = known ?? DEAREST;
  // USD per million tokens equals micro-USD per token.
  return Math.ceil(inputTokens * input + outputTokens * output);
}
