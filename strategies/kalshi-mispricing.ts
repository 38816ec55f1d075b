import { boundedSides } from '../policies/estimate-provenance';
import { KALSHI_TAKER_RATE, kalshiFeeCents } from '../policies/fees';
import parameters from './parameters/kalshi-mispricing.json';
import type { MarketView, Signal, Strategy } from './types';
import { strategyVersion } from './version';

/**
 * Kalshi mispricing: buy the side the analyst's probability says is underpriced, when the edge survives Kalshi's
 * fee. YES costs the ask; NO costs 1 - the YES bid. The edge per contract is (probability the side wins) - price -
 * fee, with the fee from the venue's formula at a reference order size (the fee is rounded up per order, so small
 * orders pay more per contract). Only sides the analyst rates at least `minProbability` are traded (seed: >= 0.80).
 * `analystProbability` is the estimate from trusted inputs; `outsideProbability`, when present, the estimate that also
 * read outside documents: it may only lower a side's probability (policies/estimate-provenance.ts).
 */
export interface KalshiMispricingParams {
  /** Minimum edge after fees, dollars per contract. */
  minEdge: number;
  minProbability: number;
  /** Order size the per-contract fee is computed for. */
  referenceContracts: number;
  feeRate: number;
}

export const KALSHI_MISPRICING_REVISION = 3;

/** The tunable parameters are the file's (one place); the venue's fee rate is the strategy's own. */
export const DEFAULT_KALSHI_MISPRICING: Readonly<KalshiMispricingParams> = Object.freeze({
  ...parameters,
  feeRate: KALSHI_TAKER_RATE,
});

const ID = 'kalshi-mispricing';

function feePerContract(yesPrice: number, params: KalshiMispricingParams): number {
  return (
    kalshiFeeCents(String(params.referenceContracts), yesPrice.toFixed(4), params.feeRate) /
    100 /
    params.referenceContracts
  );
}

const validPrice = (p: number) => p > 0 && p < 1;

export function kalshiMispricing(overrides: Partial<KalshiMispricingParams> = {}): Strategy<KalshiMispricingParams> {
  const params: KalshiMispricingParams = { ...DEFAULT_KALSHI_MISPRICING, ...overrides };
  return {
    id: ID,
    version: strategyVersion(ID, KALSHI_MISPRICING_REVISION, params),
    venue: 'kalshi',
    description: 'Buys the Kalshi side the analyst rates above its price by more than the fee-aware edge threshold',
    params,
    features: [],
    inputs: ['analystProbability', 'outsideProbability'],
    warmup: 0,
    decide(view: MarketView): Signal | undefined {
      const p = view.input('analystProbability');
      if (!(p >= 0 && p <= 1)) return undefined;
      const outside = view.input('outsideProbability');
      const sides = boundedSides(p, outside >= 0 && outside <= 1 ? outside : undefined);
      const close = view.bar('close');
      const ask = Number.isFinite(view.bar('ask')) ? view.bar('ask') : close;
      const bid = Number.isFinite(view.bar('bid')) ? view.bar('bid') : close;
      // The fee formula takes the YES price either way: P x (1 - P) is the same for both sides.
      const offer = (side: 'yes' | 'no', probability: number, price: number, yesPrice: number): Signal | undefined => {
        if (!validPrice(yesPrice) || probability < params.minProbability) return undefined;
        const fee = feePerContract(yesPrice, params);
        const edge = probability - price - fee;
        if (edge < params.minEdge) return undefined;
        return {
          market: view.market,
          side,
          probability,
          expectedValue: edge / (price + fee),
          price,
          rationale:
            `analyst ${probability.toFixed(3)} for ${side.toUpperCase()} vs price ${price.toFixed(2)}: ` +
            `edge ${edge.toFixed(3)} per contract after a ${fee.toFixed(4)} fee`,
        };
      };
      const yes = offer('yes', sides.yes, ask, ask);
      const no = offer('no', sides.no, 1 - bid, bid);
      if (yes && no) return yes.expectedValue >= no.expectedValue ? yes : no;
      return yes ?? no;
    },
  };
}
