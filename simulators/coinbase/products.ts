import { seedOf, seededRandom } from '../venue-kit/random';

/**
 * Deterministic synthetic Coinbase spot products. Each price follows a jump-diffusion (geometric Brownian motion
 * plus Poisson jumps) sampled every simulated minute from a seed, starting seven days before the venue started so
 * candles have history.
 */
export interface CoinbaseProductDef {
  productId: string;
  base: string;
  baseName: string;
  /** Price at the path's origin, in dollars. */
  startPrice: number;
  /** Annualised volatility of the diffusion part. */
  volatility: number;
  baseIncrement: string;
  baseMinSize: string;
}

const CATALOG = [
  { base: 'BTC', baseName: 'Bitcoin', price: 60_000, volatility: 0.6, baseMinSize: '0.00000001' },
  { base: 'ETH', baseName: 'Ethereum', price: 3_000, volatility: 0.75, baseMinSize: '0.00000001' },
  { base: 'SOL', baseName: 'Solana', price: 150, volatility: 1.0, baseMinSize: '0.00000001' },
  { base: 'LTC', baseName: 'Litecoin', price: 80, volatility: 0.8, baseMinSize: '0.00000001' },
  { base: 'AVAX', baseName: 'Avalanche', price: 30, volatility: 1.0, baseMinSize: '0.00000001' },
  { base: 'LINK', baseName: 'Chainlink', price: 15, volatility: 0.9, baseMinSize: '0.00000001' },
];

export const HISTORY_MS = 7 * 24 * 60 * 60_000;
const MINUTE = 60_000;
const MINUTES_PER_YEAR = 525_600;
const JUMPS_PER_MINUTE = 3 / 1440;
const JUMP_SIGMA = 0.03;

export function generateCoinbaseProducts(seed: string): CoinbaseProductDef[] {
  return CATALOG.map((c) => {
    const rng = seededRandom(seedOf(seed, 'coinbase-product', c.base));
    return {
      productId: `${c.base}-USD`,
      base: c.base,
      baseName: c.baseName,
      startPrice: c.price * (0.8 + 0.4 * rng.next()),
      volatility: c.volatility,
      baseIncrement: '0.00000001',
      baseMinSize: c.baseMinSize,
    };
  });
}

/** The minute-by-minute price path of one product, extended lazily as simulated time passes. */
export class PricePath {
  private logPrices: number[];
  private readonly rng;

  constructor(
    private readonly def: CoinbaseProductDef,
    seed: string,
    readonly originMs: number,
  ) {
    this.rng = seededRandom(seedOf(seed, 'coinbase-path', def.productId));
    this.logPrices = [Math.log(def.startPrice)];
  }

  /** Price in whole cents at simulated time t (the minute's close). */
  centsAt(t: number): number {
    const minute = Math.max(0, Math.floor((t - this.originMs) / MINUTE));
    const sigma = this.def.volatility / Math.sqrt(MINUTES_PER_YEAR);
    while (this.logPrices.length <= minute) {
      let step = -0.5 * sigma * sigma + sigma * this.rng.normal();
      if (this.rng.next() < JUMPS_PER_MINUTE) step += JUMP_SIGMA * this.rng.normal();
      this.logPrices.push(this.logPrices[this.logPrices.length - 1]! + step);
    }
    return Math.max(1, Math.round(Math.exp(this.logPrices[minute]!) * 100));
  }

  /** The minute index of t, the unit in which the book's synthetic liquidity is renewed. */
  minuteOf(t: number): number {
    return Math.floor((t - this.originMs) / MINUTE);
  }
}
