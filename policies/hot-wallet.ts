import { usdLimitCents, type Limits } from './limits';
import { dollars } from './format';
import type { Cents } from './money';

/**
 * seed: hot wallet (Coinbase) maximum balance $1,500. NEMO may not withdraw (seed: forbidden), so it cannot sweep the
 * excess itself: it tells the operator, who moves it to the warm wallet.
 */
export type HotWalletCheck = { alert: false } | { alert: true; severity: 'warning'; reason: string };

export function hotWalletCheck(balanceCents: Cents, limits: Limits): HotWalletCheck {
  const maxCents = usdLimitCents(limits.hotWalletMaxUsd);
  if (balanceCents <= maxCents) return { alert: false };
  return {
    alert: true,
    severity: 'warning',
    reason: `hot wallet holds ${dollars(balanceCents)}, above its ${dollars(maxCents)} maximum: move the excess to the warm wallet`,
  };
}
