import type { ApprovedMarket } from '../policies/approved-markets';
import { tightenedRiskPolicy, type RiskPolicy } from '../policies/risk-policy';
import type { NemoConfig } from './config';

/**
 * The risk policy the guardians enforce, from configuration: the seed's limits (tighten-only), the proof thresholds
 * and the operator's approved markets. `NEMO_APPROVED_MARKETS` lists `venue:market` entries, or `kalshi:SERIES-*`
 * for every market of a Kalshi series, comma-separated; empty approves nothing (seed: approved markets only).
 */
export function parseApprovedMarkets(text: string): ApprovedMarket[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(kalshi|coinbase):([A-Za-z0-9._-]+?)(-\*)?$/.exec(entry);
      if (!match)
        throw new RangeError(
          `NEMO_APPROVED_MARKETS entry "${entry}" must be venue:MARKET (kalshi or coinbase) or kalshi:SERIES-*`,
        );
      const [, venue, market, series] = match as unknown as [string, 'kalshi' | 'coinbase', string, string | undefined];
      if (series) {
        if (venue !== 'kalshi')
          throw new RangeError(`NEMO_APPROVED_MARKETS entry "${entry}": only Kalshi markets come in series`);
        return { venue, series: market };
      }
      return { venue, market };
    });
}

export function riskPolicyFrom(config: NemoConfig): RiskPolicy {
  return tightenedRiskPolicy({
    limits: {
      maxPositionFraction: config.NEMO_MAX_POSITION_FRACTION,
      maxPositionUsd: config.NEMO_MAX_POSITION_USD,
      maxExposureFraction: config.NEMO_MAX_EXPOSURE_FRACTION,
      maxDailyLossFraction: config.NEMO_MAX_DAILY_LOSS_FRACTION,
      maxTotalLossFraction: config.NEMO_MAX_TOTAL_LOSS_FRACTION,
      minProbability: config.NEMO_MIN_PROBABILITY,
      hotWalletMaxUsd: config.NEMO_HOT_WALLET_MAX_USD,
    },
    proof: {
      minTrades: config.NEMO_PROOF_MIN_TRADES,
      maxDrawdown: config.NEMO_PROOF_MAX_DRAWDOWN,
      minExpectancyCents: config.NEMO_PROOF_MIN_EXPECTANCY_CENTS,
    },
    approvedMarkets: parseApprovedMarkets(config.NEMO_APPROVED_MARKETS),
  });
}
