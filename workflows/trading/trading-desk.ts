import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { VenueActivities } from '../../activities/venues/venue-activities';
import type { GuardianClientActivities } from '../../activities/trading/guardian-client';
import { COINBASE_TAKER_RATE } from '../../policies/fees';
import { marketExposureCents } from '../../policies/exposure-book';
import type { TradingDomain } from '../../policies/limits';
import { decimalToUnits, notionalCents, unitsToDecimal } from '../../policies/money';
import { orderNotionalCents, type VenueOrder } from '../../policies/orders';
import { positionBudgetCents, sizeCoinbaseBuy, sizeKalshiOrder } from '../../policies/position-sizing';
import { TASK_QUEUES } from '../../policies/domains';
import { LEDGER_WRITE, VENUE_READ } from '../activity-options';
import { candidatesSignal, type Candidate } from '../../contracts/candidates';
import { ledgerOf } from '../operations/ledger';
import { NemoDomain } from '../../contracts/search-attributes';
import { openRecord, proofOfRecord, withClosedTrade, type StrategyRecord } from './strategy-record';
import { liveTrade, paperTrade, type TradeOutcome, type TradeRequest } from './trade';

/**
 * A trading desk: the long-running workflow of a domain that turns research candidates into trades and follows
 * each position to its end. Paper and live run the same desk; the paper desk's records are the proof a strategy
 * needs before the live desk may trade it (the live trade itself re-checks that proof and the operator's approval).
 *
 *   candidate -> size it below the limits -> a trade workflow (validate, reserve, place, fill) -> an open position
 *   -> settlement (Kalshi) or a bracket exit (Coinbase) -> a closed trade with its P&L -> the strategy's record
 */
export interface DeskInput {
  domain: TradingDomain;
  /** How often open positions are checked for settlement and exits. */
  checkEvery: string;
  fillDeadline: string;
  approvalTimeout: string;
}

export interface OpenPosition {
  positionId: string;
  strategyId: string;
  strategyVersion: string;
  venue: 'kalshi' | 'coinbase';
  market: string;
  /** Kalshi: the side held; Coinbase: 'buy' (spot held). */
  side: 'yes' | 'no' | 'buy';
  quantity: string;
  /** What opening it cost, fees included. */
  costCents: number;
  openedAt: number;
  exit?: { takeProfit: string; stopLoss: string };
  /** A closing trade is under way. */
  closing: boolean;
}

export interface DeskMemory {
  /** Candidate ids already acted on (bounded: the newest ones). */
  seen: string[];
  /** Outside texts the operator was already asked to endorse, by market, side and documents (bounded). */
  endorsementsAsked?: string[];
  open: OpenPosition[];
  records: Record<string, StrategyRecord>;
  trades: number;
}

const SEEN_KEPT = 5_000;
const EMPTY: DeskMemory = { seen: [], open: [], records: {}, trades: 0 };

function activitiesFor(domain: TradingDomain) {
  return {
    venue: proxyActivities<VenueActivities>({ taskQueue: TASK_QUEUES[domain], ...VENUE_READ }),
    guardian: proxyActivities<GuardianClientActivities>({ taskQueue: TASK_QUEUES[domain], ...LEDGER_WRITE }),
    ledger: ledgerOf(domain),
  };
}

async function tradingDesk(input: DeskInput, carried?: DeskMemory): Promise<void> {
  const { domain } = input;
  const act = activitiesFor(domain);
  let memory = carried ?? EMPTY;
  const inbox: Candidate[] = [];
  let inFlight = 0;
  setHandler(candidatesSignal, (candidates) => {
    inbox.push(...candidates);
  });
  upsertSearchAttributes([{ key: NemoDomain, value: domain }]);
  const show = () =>
    upsertMemo({
      summary: `${domain} desk: ${memory.open.length} open positions, ${memory.trades} trades, ${Object.keys(memory.records).length} strategy records`,
    });

  /** Runs one trade as a child workflow with a readable id; the desk goes on while it works. */
  async function runTrade(
    request: TradeRequest,
    leg: string,
    onDone: (outcome: TradeOutcome) => Promise<void>,
  ): Promise<void> {
    memory = { ...memory, trades: memory.trades + 1 };
    const workflowId = `${domain}-trade/${request.strategyId}/${request.order.market}/${memory.trades}${leg === 'open' ? '' : `-${leg}`}`;
    const child = await startChild(domain === 'live' ? liveTrade : paperTrade, {
      workflowId,
      taskQueue: TASK_QUEUES[domain],
      args: [request],
      // A desk continuing as new must not take its trades down with it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    inFlight += 1;
    void child
      .result()
      .then(onDone, (err) => log.warn('trade workflow failed', { workflowId, error: (err as Error).message }))
      .finally(() => (inFlight -= 1));
  }

  /** Sizes a candidate's entry below the limits, from the guardian's view of the account. */
  async function entryOrder(candidate: Candidate): Promise<VenueOrder | undefined> {
    const account = await act.guardian.guardianSnapshot(candidate.venue);
    const held = marketExposureCents(account.exposureBook, candidate.venue, candidate.market);
    const { committedCents, reservedCents, limitCents } = account.exposure;
    const budget = positionBudgetCents(
      account.policy.limits,
      domain,
      account.trading.equityCents,
      held,
      limitCents - committedCents - reservedCents,
    );
    if (candidate.venue === 'kalshi') {
      if (candidate.side !== 'yes' && candidate.side !== 'no') return undefined;
      // YES is bought at the YES ask; NO at 1 - the YES bid, which on the V2 book is an ask at the YES bid.
      const yesPrice =
        candidate.side === 'yes'
          ? (candidate.ask ?? candidate.price)
          : (candidate.bid ?? yesPriceOfNo(candidate.price));
      return sizeKalshiOrder({ market: candidate.market, side: candidate.side, yesPrice }, budget);
    }
    if (candidate.side !== 'buy') return undefined;
    return sizeCoinbaseBuy(candidate.market, candidate.ask ?? candidate.price, budget, COINBASE_TAKER_RATE);
  }

  async function actOn(candidate: Candidate): Promise<void> {
    if (memory.seen.includes(candidate.candidateId)) return;
    memory = { ...memory, seen: [...memory.seen, candidate.candidateId].slice(-SEEN_KEPT) };
    const held = memory.open.find((p) => p.market === candidate.market && p.strategyId === candidate.strategyId);
    if (candidate.side === 'sell') {
      if (held && !held.closing) await close(held, candidate.bid ?? candidate.price, 'strategy exit');
      return;
    }
    if (held) return; // one position per strategy and market
    // Each scan proposes the same endorsement again: the operator is asked once about the same outside texts.
    const endorsementKey =
      candidate.endorsement &&
      `${candidate.market}:${candidate.side}:${[...candidate.endorsement.documentIds].sort().join(',')}`;
    if (endorsementKey) {
      if (memory.endorsementsAsked?.includes(endorsementKey)) return;
      memory = {
        ...memory,
        endorsementsAsked: [...(memory.endorsementsAsked ?? []), endorsementKey].slice(-SEEN_KEPT),
      };
    }
    const order = await entryOrder(candidate);
    if (!order) return;
    const request: TradeRequest = {
      strategyId: candidate.strategyId,
      strategyVersion: candidate.strategyVersion,
      order,
      probability: candidate.probability,
      rationale: candidate.rationale,
      referencePrice: order.price,
      timeInForce: 'ioc',
      fillDeadline: input.fillDeadline,
      approvalTimeout: input.approvalTimeout,
      ...(candidate.endorsement ? { endorsement: candidate.endorsement } : {}),
    };
    await runTrade(request, 'open', async (outcome) => {
      if (outcome.outcome !== 'done' || isZero(outcome.filledQuantity)) return;
      const price = outcome.averageFillPrice ?? order.price;
      const filled: VenueOrder =
        order.venue === 'kalshi'
          ? { ...order, count: outcome.filledQuantity, price }
          : { ...order, baseSize: outcome.filledQuantity, price };
      memory = {
        ...memory,
        open: [
          ...memory.open,
          {
            positionId: candidate.candidateId,
            strategyId: candidate.strategyId,
            strategyVersion: candidate.strategyVersion,
            venue: candidate.venue,
            market: candidate.market,
            side: order.venue === 'kalshi' ? order.side : 'buy',
            quantity: outcome.filledQuantity,
            costCents: orderNotionalCents(filled) + outcome.feesCents,
            openedAt: Date.now(),
            exit: candidate.exit,
            closing: false,
          },
        ],
      };
      show();
    });
  }

  /** A Coinbase position is closed by a risk-reducing sell at the bid, through the same trade protocol. */
  async function close(position: OpenPosition, bid: string, why: string): Promise<void> {
    memory = {
      ...memory,
      open: memory.open.map((p) => (p.positionId === position.positionId ? { ...p, closing: true } : p)),
    };
    const order: VenueOrder = {
      venue: 'coinbase',
      market: position.market,
      side: 'SELL',
      baseSize: position.quantity,
      price: bid,
    };
    const request: TradeRequest = {
      strategyId: position.strategyId,
      strategyVersion: position.strategyVersion,
      order,
      probability: 1,
      rationale: `close: ${why}`,
      referencePrice: bid,
      timeInForce: 'ioc',
      fillDeadline: input.fillDeadline,
      approvalTimeout: input.approvalTimeout,
    };
    await runTrade(request, 'close', async (outcome) => {
      const sold = outcome.outcome === 'done' && !isZero(outcome.filledQuantity);
      if (!sold) {
        memory = {
          ...memory,
          open: memory.open.map((p) => (p.positionId === position.positionId ? { ...p, closing: false } : p)),
        };
        return;
      }
      const proceeds = notionalCents(outcome.averageFillPrice ?? bid, outcome.filledQuantity) - outcome.feesCents;
      await closePosition(position, proceeds - position.costCents, why);
    });
  }

  async function closePosition(position: OpenPosition, pnlCents: number, why: string): Promise<void> {
    const closedAt = Date.now();
    memory = { ...memory, open: memory.open.filter((p) => p.positionId !== position.positionId) };
    const key = `${position.strategyId}@${position.strategyVersion}`;
    const account = await act.guardian.guardianSnapshot(position.venue);
    const record = withClosedTrade(
      memory.records[key] ??
        openRecord(position.strategyId, position.strategyVersion, account.trading.startingValueCents),
      { market: position.market, pnlCents, closedAt },
    );
    memory = { ...memory, records: { ...memory.records, [key]: record } };
    await act.ledger.appendLedgerEntry({
      kind: 'trade.closed',
      account: `${domain}:${position.venue}`,
      payload: {
        positionId: position.positionId,
        strategyId: position.strategyId,
        market: position.market,
        side: position.side,
        quantity: position.quantity,
        costCents: position.costCents,
        pnlCents,
        why,
      },
      idempotencyKey: `trade.closed:${domain}:${position.positionId}`,
    });
    // The record is the strategy's proof: paper records prove a strategy for live trading.
    const proof = proofOfRecord(record, domain, `${domain}:${key}:${record.trades.length}`);
    await act.ledger.appendLedgerEntry({
      kind: `${domain}.proof`,
      account: `${domain}:${position.venue}`,
      payload: { summary: { ...proof } },
      idempotencyKey: `${domain}.proof:${proof.proofId}`,
    });
    show();
  }

  /** Settled Kalshi markets pay $1 per winning contract; Coinbase brackets close at their take-profit or stop. */
  async function followPositions(): Promise<void> {
    for (const position of memory.open.filter((p) => !p.closing)) {
      try {
        if (position.venue === 'kalshi') {
          const market = await act.venue.getMarket({ venue: 'kalshi', market: position.market });
          if (market.status !== 'settled' || !market.result) continue;
          const won = market.result === position.side;
          const revenue = won ? notionalCents('1', position.quantity) : 0;
          await closePosition(position, revenue - position.costCents, `settled ${market.result.toUpperCase()}`);
        } else if (position.exit) {
          const bid = (await act.venue.getOrderBook({ venue: 'coinbase', market: position.market, depth: 1 })).bids[0]
            ?.price;
          if (!bid) continue;
          const units = decimalToUnits(bid, 8, 'bid', 'floor');
          if (units >= decimalToUnits(position.exit.takeProfit, 8, 'takeProfit', 'floor'))
            await close(position, bid, 'take-profit');
          else if (units <= decimalToUnits(position.exit.stopLoss, 8, 'stopLoss', 'ceil'))
            await close(position, bid, 'stop-loss');
        }
      } catch (err) {
        // A venue read failed after its retries: the position is checked again next time.
        log.warn('position check failed', { positionId: position.positionId, error: (err as Error).message });
      }
    }
  }

  show();
  for (;;) {
    await condition(() => inbox.length > 0, input.checkEvery as '1m');
    while (inbox.length > 0) await actOn(inbox.shift()!);
    await followPositions();
    if (workflowInfo().continueAsNewSuggested) {
      // Trades in flight report back to this run: wait for them before continuing as new.
      await condition(() => inFlight === 0 && allHandlersFinished());
      await continueAsNew<typeof tradingDesk>(input, memory);
    }
  }
}

const isZero = (quantity: string) => decimalToUnits(quantity, 8, 'quantity', 'floor') === 0n;

/** The YES price of a NO price (1 - p), exactly. */
const yesPriceOfNo = (noPrice: string) => unitsToDecimal(10_000n - decimalToUnits(noPrice, 4, 'price', 'floor'), 4);

export async function paperTradingDesk(input: DeskInput, carried?: DeskMemory): Promise<void> {
  return tradingDesk({ ...input, domain: 'paper' }, carried);
}

export async function liveTradingDesk(input: DeskInput, carried?: DeskMemory): Promise<void> {
  return tradingDesk({ ...input, domain: 'live' }, carried);
}
