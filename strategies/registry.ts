import { maCrossover } from './coinbase-ma-crossover';
import { kalshiMispricing } from './kalshi-mispricing';
import type { Strategy } from './types';

/** The strategies NEMO ships, with their default parameters, by id. */
export const STRATEGIES: Readonly<Record<string, Strategy>> = Object.freeze(
  Object.fromEntries([kalshiMispricing(), maCrossover()].map((s) => [s.id, s as Strategy])),
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
