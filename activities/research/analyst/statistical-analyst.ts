/**
 * The built-in analyst NEMO uses when no LLM key is configured, so research runs offline. Deterministic and
 * modest: it reads only the market's own recent YES prices, estimates the probability as their exponentially
 * weighted average (a noisy last print is pulled toward the recent level), and reports a confidence that falls as
 * the prices scatter. With no prices it abstains. It adds no outside information, so it rarely finds an edge.
 */
export interface StatisticalEstimate {
  probability: number;
  confidence: number;
  rationale: string;
}

const HALF_LIFE_BARS = 12;

export function statisticalEstimate(recentPrices: readonly number[]): StatisticalEstimate | undefined {
  const prices = recentPrices.filter((p) => p > 0 && p < 1);
  if (prices.length === 0) return undefined;
  const decay = 0.5 ** (1 / HALF_LIFE_BARS);
  let weight = 0;
  let sum = 0;
  prices.forEach((p, i) => {
    const w = decay ** (prices.length - 1 - i);
    weight += w;
    sum += w * p;
  });
  const probability = sum / weight;
  const variance = prices.reduce((a, p) => a + (p - probability) ** 2, 0) / prices.length;
  const confidence =
    Math.min(0.5, Math.max(0.05, 0.5 - Math.sqrt(variance) * 2)) * Math.min(1, prices.length / HALF_LIFE_BARS);
  return {
    probability: Math.round(probability * 1e4) / 1e4,
    confidence: Math.round(confidence * 1e4) / 1e4,
    rationale: `statistical analyst (no LLM configured): weighted average of ${prices.length} recent prices, half-life ${HALF_LIFE_BARS} bars`,
  };
}
