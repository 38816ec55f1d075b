import { maCrossover } from './coinbase-ma-crossover';
import { kalshiMispricing } from './kalshi-mispricing';
import coinbaseMaCrossoverParameters from './parameters/coinbase-ma-crossover.json';
import kalshiMispricingParameters from './parameters/kalshi-mispricing.json';
import { DEFAULT_LIMITS } from '../policies/limits';
import type { Strategy } from './types';

/**
 * The strategies NEMO runs, by id, with the tunable parameters of `strategies/parameters/<id>.json` (the file a
 * self-upgrade's strategy-parameter proposal changes, tested and approved like code). The venue's fee rate is not
 * tunable and stays the strategy's own. The seed's 0.80 minimum probability is a floor no parameter file can lower.
 */
function checked<P extends { minProbability: number }>(id: string, parameters: P): P {
  if (!(parameters.minProbability >= DEFAULT_LIMITS.minProbability)) {
    throw new RangeError(`strategies/parameters/${id}.json: minProbability ${parameters.minProbability} is below the seed's ${DEFAULT_LIMITS.minProbability}`);
  }
  return parameters;
}

export const STRATEGIES: Readonly<Record<string, Strategy>> = Object.freeze(
  Object.fromEntries(
    [kalshiMispricing(checked('kalshi-mispricing', kalshiMispricingParameters)), maCrossover(checked('coinbase-ma-crossover', coinbaseMaCrossoverParameters))].map(
      (s) => [s.id, s as Strategy],
    ),
  ),
);

export class UnknownStrategyError extends Error {
  constructor(id: string) {
    super(`unknown strategy "${id}"; known: ${Object.keys(STRATEGIES).join(', ')}`);
    this.name = 'UnknownStrategyError';
  }
}

export function strategyById(id: string): Strategy {
  const strategy = Object.hasOwn(STRATEGIES, id) ? STRATEGIES[id] : undefined;
  if (!strategy) throw new UnknownStrategyError(id);
  return strategy;
}
