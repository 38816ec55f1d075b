import assert from 'node:assert/strict';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { VenuePort } from '../../activities/venues/venue-port';
import { appendEntry, readEntries } from '../../ledger/ledger-store';
import { TASK_QUEUES } from '../../policies/domains';
import type { CoinbaseOrder, KalshiOrder, VenueOrder } from '../../policies/orders';
import type { KalshiControlClient } from '../../simulators/kalshi/control-client';
import type { TradeOutcome, TradeRequest } from '../../workflows/trading/trade';
import { testAppPool } from './stack';
import { until } from './until';

/**
 * Live trades for the crash tests (dev server and production cluster alike): a proof for 'steady' and 'fresh' with
 * 'steady' approved for live, a Kalshi YES buy or a Coinbase buy sized in dollars, a `liveTrade` started under a fresh
 * id, the exactly-once check a crash must leave behind (Kalshi), and the Temporal server killed mid-trade.
 */
export interface LiveTradeParts {
  client: Client;
  kalshi: VenuePort;
  /** For Coinbase buys (the tests that trade both venues). */
  coinbase?: VenuePort;
  control: KalshiControlClient;
  databaseUrl: string;
}

/** A paper proof of `strategyId` (150 trades, 80% won), as the paper desk records one. */
export async function seedPaperProof(pool: pg.Pool, strategyId: string): Promise<void> {
  await appendEntry(pool, {
    kind: 'paper.proof',
    domain: 'paper',
    account: 'paper:kalshi',
    idempotencyKey: `paper.proof:${strategyId}`,
    payload: {
      summary: {
        proofId: `p-${strategyId}`,
        strategyId,
        strategyVersion: 'v1',
        dataHash: 'paper',
        source: 'paper',
        periodStart: '2026-10-01T00:00:00Z',
        periodEnd: '2026-11-01T00:00:00Z',
        trades: 150,
        wins: 120,
        netPnlCents: 9000,
        maxDrawdown: 0.05,
        winRate: 0.8,
        sharpe: 1.8,
        expectancyCents: 60,
      },
    },
  });
}

/** The operator's approval of `strategyId` for live trading (its first trade still to be approved). */
export async function seedLiveApproval(pool: pg.Pool, strategyId: string, by: string, reason: string): Promise<void> {
  await appendEntry(pool, {
    kind: 'strategy.live-approved',
    domain: 'live',
    account: 'live:kalshi',
    idempotencyKey: `approved:${strategyId}`,
    payload: { strategyId, strategyVersion: 'v1', by, reason, firstTrade: null },
  });
}

/** Paper proofs for 'steady' and 'fresh', and 'steady' approved for live (first trade still to be approved). */
export async function seedLiveEvidence(pool: pg.Pool): Promise<void> {
  for (const strategyId of ['steady', 'fresh']) await seedPaperProof(pool, strategyId);
  await seedLiveApproval(pool, 'steady', 'bob', 'set up by the test');
}

/** `parts` is read at each call: the tests set their clients up in `before`. `label` names the test in ids and rationales. */
export function liveTrades(parts: () => LiveTradeParts, label: string) {
  let trades = 0;
  const kit = {
    async buyYes(market: string, dollars: number): Promise<KalshiOrder> {
      const ask = (await parts().kalshi.getOrderBook(market, 1)).asks[0]!.price;
      return {
        venue: 'kalshi',
        market,
        action: 'buy',
        side: 'yes',
        count: String(Math.max(1, Math.floor(dollars / Number(ask)))),
        price: ask,
      };
    },

    /** A Coinbase buy of about `dollars` at the ask (other dollars, another order: the duplicate check allows both). */
    async buyCoinbase(product: string, dollars: number): Promise<CoinbaseOrder> {
      const ask = (await parts().coinbase!.getOrderBook(product, 1)).asks[0]!.price;
      return {
        venue: 'coinbase',
        market: product,
        side: 'BUY',
        baseSize: (dollars / Number(ask)).toFixed(8),
        price: ask,
      };
    },

    trade(strategyId: string, order: VenueOrder) {
      const request: TradeRequest = {
        strategyId,
        strategyVersion: 'v1',
        order,
        probability: 0.85,
        rationale: `${label} test`,
        referencePrice: order.price,
        timeInForce: 'ioc',
        fillDeadline: '1m',
        approvalTimeout: '10m',
      };
      return parts().client.workflow.start('liveTrade', {
        taskQueue: TASK_QUEUES.live,
        workflowId: `live-trade/${strategyId}/${order.market}/${label}-${++trades}`,
        args: [request],
      });
    },

    /** One more order at the venue (under the trade's client order id), and one fill for it in the ledger. */
    async assertExactlyOnce(outcome: TradeOutcome, ordersBefore: number): Promise<void> {
      assert.equal(outcome.outcome, 'done', JSON.stringify(outcome));
      if (outcome.outcome !== 'done') return;
      const { control, kalshi, databaseUrl } = parts();
      assert.equal((await control.account()).orders, ordersBefore + 1, 'exactly one order reached the venue');
      assert.equal((await kalshi.findOrderByClientOrderId(outcome.clientOrderId))?.orderId, outcome.orderId);
      const fills = (await readEntries(testAppPool(databaseUrl), { kind: 'trade.fill' })).filter(
        (e) => e.payload.clientOrderId === outcome.clientOrderId,
      );
      assert.equal(fills.length, 1, 'exactly one fill in the ledger');
    },

    /**
     * A part of the stack SIGKILLed while a trade waits on the venue (its order placed, the order's read held
     * `holdReadMs`), then brought back by `killAndRestart`: the trade completes, with one order at the venue and one
     * fill. The worker's case holds the read longer, so the worker dies with the placing activity unfinished.
     */
    async killedMidTrade(market: string, killAndRestart: () => Promise<void>, holdReadMs = 5_000): Promise<void> {
      const { control, client } = parts();
      const since = (await control.requests()).length;
      const ordersBefore = (await control.account()).orders;
      await control.addFault({
        kind: 'latency',
        path: '^/trade-api/v2/portfolio/orders/',
        method: 'GET',
        latencyMs: holdReadMs,
        times: 1,
      });
      const handle = await kit.trade('steady', await kit.buyYes(market, 20));
      await until(
        async () =>
          (await control.requests(since)).some(
            (r) => r.method === 'POST' && r.path.endsWith('/portfolio/events/orders'),
          )
            ? true
            : undefined,
        'the order to reach the venue',
        180_000,
      );
      await killAndRestart();
      await kit.assertExactlyOnce(
        (await client.workflow.getHandle(handle.workflowId).result()) as TradeOutcome,
        ordersBefore,
      );
    },
  };
  return kit;
}
