/**
 * Probability that a random walk with drift `mu` and volatility `sigma` per step (in log price) rises by `up` before
 * it falls by `down`: the first-passage result for Brownian motion with drift,
 *   (1 - exp(2 mu down / s2)) / (exp(-2 mu up / s2) - exp(2 mu down / s2)),  s2 = sigma^2,
 * which tends to down / (up + down) as the drift vanishes. NaN when the inputs are not usable.
 */
export function barrierWinProbability(mu: number, sigma: number, up: number, down: number): number {
  if (!(sigma > 0 && up > 0 && down > 0 && Number.isFinite(mu))) return Number.NaN;
  const k = (2 * mu) / (sigma * sigma);
  if (Math.abs(k * (up + down)) < 1e-9) return down / (up + down);
  // Extreme drifts overflow exp(); the walk then reaches the barrier the drift points to.
  if (k * (up + down) > 700) return 1;
  if (k * (up + down) < -700) return 0;
  return (1 - Math.exp(k * down)) / (Math.exp(-k * up) - Math.exp(k * down));
}
