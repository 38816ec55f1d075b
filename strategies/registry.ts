import { maCrossover } from './coinbase-ma-crossover';
import { kalshiMispricing } from './kalshi-mispricing';
import { DEFAULT_LIMITS } from '../policies/limits';
import type { Strategy } from './types';

/**
 * The strategies NEMO runs, by id, each with its defaults: the tunable parameters of `strategies/parameters/<id>.json`
 * (the file a self-upgrade's strategy-parameter proposal changes, tested and approved like code). The seed's 0.80
 * minimum probability is a floor no parameter file can lower.
 */
function checked(strategy: Strategy<{ minProbability: number }>): Strategy {
  if (!(strategy.params.minProbability >= DEFAULT_LIMITS.minProbability)) {
    throw new RangeError(
      `strategies/parameters/${strategy.id}.json: minProbability ${strategy.params.minProbability} is below the seed's ${DEFAULT_LIMITS.minProbability}`,
    );
  }
  return strategy as Strategy;
}

export const STRATEGIES: Readonly<Record<string, Strategy>> = Object.freeze(
  Object.fromEntries([kalshiMispricing(), maCrossover()].map((s) => [s.id, checked(s)])),
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
