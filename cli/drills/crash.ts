import { isAlive, observeWorkers } from '../../platform/worker-liveness';
import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import { TASK_QUEUES } from '../../policies/domains';
import { strategyById } from '../../strategies/registry';
import type { TradeOutcome, TradeRequest } from '../../workflows/trading/trade';
import { KalshiControlClient } from '../../simulators/kalshi/control-client';
import type { RecordedRequest } from '../../simulators/venue-kit/venue-server';
import { awaitReplacedWorker, workerPid } from '../commands/worker';
import {
  accountsAsBefore,
  accountStates,
  check,
  DrillRefused,
  ledgerMark,
  requireNoOpenIncident,
  waitFor,
  type DrillCheck,
  type DrillContext,
  openIncidentsSince,
  resolveIncident,
} from './drill-kit';

/** The request that places an order at the SIMULATED Kalshi venue (POST). */
const ORDER_PATH = '^.*/portfolio/events/orders$';
/** How long the venue holds its answer to the order it accepted: long enough for the kill to land first. */
const HOLD_MS = 30_000;

const clientOrderIdOf = (r: RecordedRequest): string | undefined => {
  try {
    return (JSON.parse(r.body ?? '') as { client_order_id?: string }).client_order_id;
  } catch {
    return undefined;
  }
};

/** The drill's own order: one contract of a SIMULATED Kalshi market, priced to cross the book (IOC) so it fills. */
const CONTRACTS = '1';
const CROSS_CENTS = 3;
const STRATEGY_ID = 'kalshi-mispricing';

/** The promise's value, or undefined once `ms` passed. */
const within = <T>(ms: number, promise: Promise<T>): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

const price = (cents: number) => (Math.min(99, Math.max(1, cents)) / 100).toFixed(2);

/**
 * seed: "Automatic restart on failures" with durable execution: a worker that dies mid-order must not place the order
 * twice. The drill sends one order of its own through the paper desk's trade workflow (one contract of a SIMULATED
 * Kalshi market, labelled a drill), makes the demo venue accept it and hold its answer, SIGKILLs the paper worker while
 * the answer is held (the venue has the order, the trade has not heard of it), and lets the supervisor restart it.
 * The trade's placement is retried on the new worker under the same client order id. Checks: the venue accepted
 * exactly one order for that id, the ledger holds one post-trade report and one fill for it, the worker polls again.
 * Puts back: the fault cleared, the contract sold again through the same workflow, every account as before.
 */
export async function crashDrill(
  ctx: DrillContext,
  domain: TradingDomain,
  venue: Venue,
  startedAt: string,
): Promise<{ checks: DrillCheck[]; restored: DrillCheck[] }> {
  const account = `${domain}:${venue}`;
  // A live trade of a strategy first waits for the operator, and the Coinbase strategy has no proof on SIMULATED data.
  if (account !== 'paper:kalshi')
    throw new DrillRefused(
      `the crash drill trades paper:kalshi only (its order goes through the paper desk's trade workflow), not ${account}`,
    );
  await requireNoOpenIncident(ctx);
  const statesBefore = await accountStates(ctx);
  if (statesBefore[account] !== 'ACTIVE')
    throw new DrillRefused(
      `${account} is ${statesBefore[account] ?? 'not running'}: a crash drill needs it trading (ACTIVE)`,
    );
  const pid = workerPid(ctx.home, domain);
  if (!pid)
    throw new DrillRefused(`the ${domain} worker is not running: \`nemo worker restart ${domain} --reason ...\` first`);
  const { rows } = await ctx.pool.query<{ market: string }>(
    "SELECT market FROM scan_markets WHERE venue = 'kalshi' AND best_bid BETWEEN 0.10 AND 0.90 ORDER BY scanned_at DESC, position LIMIT 1",
  );
  const market = rows[0]?.market;
  if (!market)
    throw new DrillRefused(
      'no research scan has listed a Kalshi market priced between 10 and 90 cents yet: wait for the first scan (`nemo scan`)',
    );

  // Paper trades the demo instance of the SIMULATED venue (simulators/start-venues.ts).
  const demo = new KalshiControlClient(ctx.venues.control.kalshiDemo, ctx.controlToken);
  const strategy = strategyById(STRATEGY_ID);
  const trade = async (leg: 'buy' | 'sell', workflowId: string) => {
    const { mid } = await demo.market(market);
    return ctx.client.workflow.start('paperTrade', {
      taskQueue: TASK_QUEUES.paper,
      workflowId,
      args: [
        {
          strategyId: strategy.id,
          strategyVersion: strategy.version,
          order: {
            venue: 'kalshi',
            market,
            action: leg,
            side: 'yes',
            count: CONTRACTS,
            price: price(leg === 'buy' ? mid + CROSS_CENTS : mid - CROSS_CENTS),
          },
          // Above the seed's 0.80 floor: the drill rehearses a crash, not a refusal.
          probability: 0.9,
          rationale: `nemo drill crash (${startedAt}): one SIMULATED contract ${leg === 'buy' ? 'bought' : 'sold back'} to rehearse a worker crash mid-order`,
          referencePrice: price(mid),
          timeInForce: 'ioc',
          fillDeadline: '1m',
          approvalTimeout: '1m',
        } satisfies TradeRequest,
      ],
    });
  };
  const stamp = startedAt.replace(/[:.]/g, '-');

  const requestMark = (await demo.requests()).at(-1)?.seq ?? 0;
  const mark = await ledgerMark(ctx);
  await demo.addFault({
    kind: 'accept-then-hold',
    path: ORDER_PATH,
    method: 'POST',
    times: 1,
    latencyMs: HOLD_MS,
    reason: 'nemo drill crash',
  });
  const opened = await trade('buy', `paper-trade/drill-crash/${market}/${stamp}`);
  ctx.say(
    `sent the drill's order (buy ${CONTRACTS} YES of SIMULATED ${market}) through the paper trade workflow ${opened.workflowId}; the demo venue will accept it and hold its answer ${HOLD_MS / 1000} s`,
  );

  const checks: DrillCheck[] = [];
  const restored: DrillCheck[] = [];
  const held = await waitFor(
    async () =>
      (await demo.requests(requestMark)).find((r) => r.faults.includes('accept-then-hold') && r.status !== 'dropped'),
    ctx.waitMs,
    200,
  );
  let filled = false;
  if (!held) {
    const outcome = await within(5000, opened.result() as Promise<TradeOutcome>);
    checks.push(
      check(
        "the drill's order reached the venue",
        false,
        `not within ${ctx.waitMs / 1000} s: ${outcome ? JSON.stringify(outcome) : `see \`nemo temporal workflow describe -w ${opened.workflowId}\``}`,
      ),
    );
  } else {
    const clientOrderId = clientOrderIdOf(held) ?? '?';
    process.kill(pid, 'SIGKILL');
    ctx.say(
      `the venue accepted order ${clientOrderId} (answer ${held.status}, held); SIGKILLed the ${domain} worker (pid ${pid}) before the trade heard it`,
    );
    checks.push(
      check(
        `${domain} worker killed mid-order`,
        true,
        `pid ${pid}, after the venue accepted ${clientOrderId} and before it answered`,
      ),
    );

    const replaced = await awaitReplacedWorker(ctx.client, ctx.home, domain, pid, ctx.waitMs);
    checks.push(
      check(
        `${domain} worker restarted by the supervisor`,
        Boolean(replaced),
        replaced ? `pid ${replaced}, polling` : `not polling within ${ctx.waitMs / 1000} s`,
      ),
    );

    const recorded = await waitFor(async () => {
      const { rows: entries } = await ctx.pool.query<{ kind: string; status: string | null; filled: string | null }>(
        `SELECT kind, payload->'executed'->>'status' AS status, payload->'executed'->>'filledQuantity' AS filled
           FROM ledger_entries WHERE seq > $1 AND kind IN ('trade.report', 'trade.fill') AND payload->>'clientOrderId' = $2`,
        [mark, clientOrderId],
      );
      return entries.some((r) => r.kind === 'trade.report') ? entries : undefined;
    }, ctx.waitMs);
    const placements = (await demo.requests(requestMark)).filter(
      (r) => r.method === 'POST' && new RegExp(ORDER_PATH).test(r.path) && clientOrderIdOf(r) === clientOrderId,
    );
    const accepted = placements.filter((r) => typeof r.status === 'number' && r.status < 300);
    checks.push(
      check(
        'one order at the venue, not two',
        accepted.length === 1,
        `${accepted.length} accepted for ${clientOrderId} (${placements.length} placement${placements.length === 1 ? '' : 's'} sent under that id)`,
      ),
    );
    if (!recorded) {
      checks.push(
        check(
          'the trade recorded once in the ledger',
          false,
          `no post-trade report for ${clientOrderId} within ${ctx.waitMs / 1000} s`,
        ),
      );
    } else {
      const report = recorded.find((r) => r.kind === 'trade.report')!;
      const fills = recorded.filter((r) => r.kind === 'trade.fill').length;
      filled = !/^0*(\.0*)?$/.test(report.filled ?? '0');
      checks.push(
        check(
          'the trade recorded once in the ledger',
          recorded.length - fills === 1 && fills === (filled ? 1 : 0),
          `1 post-trade report (order ${report.status}, ${report.filled ?? '0'} filled), ${fills} fill entr${fills === 1 ? 'y' : 'ies'}`,
        ),
      );
    }
  }

  await demo.clearFaults();
  restored.push(check('SIMULATED kalshi demo venue answers at once again', true, 'fault cleared'));
  const running = workerPid(ctx.home, domain);
  const polling = isAlive((await observeWorkers(ctx.client, [domain]))[0]!);
  restored.push(
    check(
      `${domain} worker up`,
      Boolean(running) && polling,
      `${running ? `pid ${running}` : 'no process'}, ${polling ? 'polling' : 'NOT polling'}`,
    ),
  );
  if (filled) {
    const closed = await within(
      ctx.waitMs,
      (await trade('sell', `paper-trade/drill-crash/${market}/${stamp}-close`)).result() as Promise<TradeOutcome>,
    );
    const sold = closed?.outcome === 'done' && !/^0*(\.0*)?$/.test(closed.filledQuantity);
    restored.push(
      check(
        "the drill's contract sold back",
        sold,
        closed?.outcome === 'done'
          ? `order ${closed.status}, ${closed.filledQuantity} filled`
          : closed
            ? `${closed.outcome}: ${JSON.stringify(closed)}`
            : `no outcome within ${ctx.waitMs / 1000} s`,
      ),
    );
  }
  // A heartbeat that saw the worker down while it restarted opens a technical-failure incident (halt, alert, safe
  // mode): NEMO following the seed's protocol. The drill resolves it as the operator would, then checks the accounts.
  for (const incidentId of await openIncidentsSince(ctx, mark)) {
    restored.push(await resolveIncident(ctx, incidentId, `drill crash: the ${domain} worker is back`));
  }
  restored.push(...(await accountsAsBefore(ctx, statesBefore, 'crash')));
  return { checks, restored };
}
