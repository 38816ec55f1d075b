import type { KalshiTier } from './auth';
import type { KPosition } from './exchange';
import type { KalshiMarketDef } from './markets';
import { KALSHI_MEMBER_ACCOUNT } from './server';
import { VenueControlClient } from '../venue-kit/control-client';

/** Drives a loopback Kalshi venue: prices, resolutions, balances, key tiers; reveals a market's hidden truth. */
export class KalshiControlClient extends VenueControlClient {
  /** The market with its hidden probability and outcome (for scenario tests and demos, never for NEMO itself). */
  async market(ticker: string): Promise<KalshiMarketDef & { mid: number; status: string }> {
    return this.call('GET', `/markets/${encodeURIComponent(ticker)}`);
  }

  /** Moves the consensus YES price ("0.45"); null returns the market to its own path. */
  async setYesPrice(ticker: string, yesPrice: string | null): Promise<void> {
    await this.call('POST', `/markets/${encodeURIComponent(ticker)}/price`, { yesPrice });
  }

  /** Replaces the market's title (untrusted text the research scan must screen). */
  async setTitle(ticker: string, title: string): Promise<void> {
    await this.call('POST', `/markets/${encodeURIComponent(ticker)}/title`, { title });
  }

  /** Settles the market now (default: its hidden outcome): $1 per winning contract. */
  async resolve(ticker: string, result?: 'yes' | 'no'): Promise<void> {
    await this.call('POST', `/markets/${encodeURIComponent(ticker)}/resolve`, result ? { result } : {});
  }

  async setBalance(cents: number, account = KALSHI_MEMBER_ACCOUNT): Promise<void> {
    await this.call('POST', `/accounts/${account}/balance`, { cents });
  }

  async account(account = KALSHI_MEMBER_ACCOUNT): Promise<{
    balanceCents: number;
    positions: KPosition[];
    orders: number;
    openOrders: number;
    fills: number;
    settlements: number;
  }> {
    return this.call('GET', `/accounts/${account}`);
  }

  async setTier(keyId: string, tier: KalshiTier): Promise<void> {
    await this.call('POST', `/keys/${encodeURIComponent(keyId)}/tier`, { tier });
  }
}
