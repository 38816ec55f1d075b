import { VenueControlClient } from '../venue-kit/control-client';
import { COINBASE_MEMBER_ACCOUNT } from './server';

/** Drives a loopback Coinbase venue: product prices and wallet balances. */
export class CoinbaseControlClient extends VenueControlClient {
  /** Moves the product's price (dollars, "61234.50"); it holds two minutes, then its jump-diffusion continues from there. */
  async setPrice(productId: string, price: string): Promise<void> {
    await this.call('POST', `/products/${encodeURIComponent(productId)}/price`, { price });
  }

  async priceCents(productId: string): Promise<number> {
    return (await this.call<{ priceCents: number }>('GET', `/products/${encodeURIComponent(productId)}`)).priceCents;
  }

  /** Sets a wallet's available amount (decimal string in the currency). */
  async setBalance(currency: string, amount: string, account = COINBASE_MEMBER_ACCOUNT): Promise<void> {
    await this.call('POST', `/accounts/${account}/balance`, { currency, amount });
  }

  async account(account = COINBASE_MEMBER_ACCOUNT): Promise<{
    wallets: { currency: string; balance: string; hold: string }[];
    orders: number;
    openOrders: number;
    fills: number;
  }> {
    return this.call('GET', `/accounts/${account}`);
  }
}
