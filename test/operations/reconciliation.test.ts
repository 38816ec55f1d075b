import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { VenuePort } from '../../activities/venues/venue-port';
import { readEntries } from '../../ledger/ledger-store';
import { TASK_QUEUES } from '../../policies/domains';
import { incidentStatusQuery, type IncidentOutcome } from '../../contracts/incidents';
import type { ReconciliationOutcome } from '../../workflows/operations/reconciliation';
import { saveHistoryFixture } from '../support/histories';
import { buyYesLive, midRangeMarkets, startOpsStack, type OpsStack } from '../support/ops-stack';
import { approveStrategyForLive } from '../support/live-approval';
import { until } from '../support/until';

const SERIES = 'KXSIMRAIN';
const INCIDENT = 'incident/financial-loss/reconciliation/live:kalshi';

describe('daily reconciliation of the ledger with the venue (real Temporal, PostgreSQL, loopback Kalshi)', () => {
  let stack: OpsStack;
  let kalshi: VenuePort;
  let markets: string[];
  let outOfBand: { orderId: string; market: string; feesCents: number };
  const reconcile = (n: number) =>
    stack.client.workflow.execute('dailyReconciliation', {
      taskQueue: TASK_QUEUES.control,
      workflowId: `reconciliation-${n}`,
      args: [{ confirmAfter: '1s' }],
    }) as Promise<ReconciliationOutcome[]>;

  before(async () => {
    stack = await startOpsStack({
      guardians: [{ domain: 'live', venue: 'kalshi' }],
      env: { NEMO_APPROVED_MARKETS: `kalshi:${SERIES}-*` },
    });
    kalshi = stack.venues.portsFor('live').kalshi!;
    markets = await midRangeMarkets(stack, SERIES);
    assert.ok(markets.length >= 2, 'two approved markets priced mid-range');
    await approveStrategyForLive(stack.pool, 'rain-edge');
  });

  it('agrees with the venue after a trade NEMO made, holding the account REDUCING while it counts', async () => {
    const trade = await buyYesLive(stack, 'live-trade/rain-edge/1', 'rain-edge', markets[0]!, 10);
    assert.equal(trade.outcome === 'done' && trade.status, 'filled');

    const [outcome] = await reconcile(1);
    assert.deepEqual(
      { ...outcome!, seq: typeof outcome!.seq },
      { account: 'live:kalshi', differences: 0, seq: 'number', incidentId: null },
    );
    const [completed] = await readEntries(stack.pool, { kind: 'reconciliation.completed' });
    assert.deepEqual(completed!.payload.compared, { fills: 1, positions: 1, balance: 'compared' });
    // The guardian records a transition just after it applies it.
    const phases = await until(async () => {
      const recorded = (await readEntries(stack.pool, { kind: 'guardian.transition', account: 'live:kalshi' })).map(
        (e) => e.payload.transition as { cause: string; to: string },
      );
      return recorded.length >= 2 ? recorded : undefined;
    }, 'both reconciliation transitions in the ledger');
    assert.deepEqual(
      phases.map((t) => `${t.cause}->${t.to}`),
      ['reconciliation-started->REDUCING', 'reconciliation-ended->ACTIVE'],
    );
    assert.equal((await stack.status('live', 'kalshi')).trading.status, 'ACTIVE');
    await saveHistoryFixture(stack.client, 'reconciliation-1', 'control');
  });

  it('catches a fill the ledger never saw, names the exact rows, and opens one financial-loss incident that stops new positions', async () => {
    const book = await kalshi.getOrderBook(markets[1]!, 1);
    const order = await kalshi.placeOrder({
      market: markets[1]!,
      clientOrderId: 'out-of-band-1',
      side: 'buy',
      type: 'limit',
      timeInForce: 'ioc',
      quantity: '3',
      limitPrice: book.asks[0]!.price,
    });
    assert.equal(order.status, 'filled');
    outOfBand = { orderId: order.orderId, market: markets[1]!, feesCents: order.feesCents };

    const [outcome] = await reconcile(2);
    assert.equal(outcome!.incidentId, INCIDENT);
    assert.equal(outcome!.differences, 2);
    const completed = (await readEntries(stack.pool, { kind: 'reconciliation.completed' })).find(
      (e) => e.seq === outcome!.seq,
    )!;
    const [fillRow, positionRow] = completed.payload.rows as { [key: string]: unknown }[];
    assert.deepEqual(
      { ...fillRow!, venue: { ...(fillRow!.venue as object), firstAt: 'checked below' } },
      {
        kind: 'fill',
        orderId: outOfBand.orderId,
        market: outOfBand.market,
        problem: 'not-in-ledger',
        ledger: null,
        venue: {
          market: outOfBand.market,
          quantity: '3',
          feesCents: outOfBand.feesCents,
          fills: (fillRow!.venue as { fills: number }).fills,
          firstAt: 'checked below',
        },
      },
    );
    assert.ok(!Number.isNaN(Date.parse((fillRow!.venue as { firstAt: string }).firstAt)));
    assert.deepEqual(positionRow, {
      kind: 'position',
      market: outOfBand.market,
      ledgerQuantity: '0',
      venueQuantity: '3',
    });

    // The incident: new positions stopped, positions evaluated, the loss analysis report, then the operator's approval.
    const pending = await until(async () => {
      const { rows } = await stack.pool.query(
        "SELECT id FROM approvals WHERE workflow_id = $1 AND status = 'pending'",
        [INCIDENT],
      );
      return rows[0];
    }, 'the incident to ask the operator');
    assert.ok(pending);
    assert.equal((await stack.status('live', 'kalshi')).trading.status, 'HALTED');
    const steps = (await readEntries(stack.pool, { kind: 'incident.step' })).map((e) => String(e.payload.step));
    assert.deepEqual(steps, [
      'stop all new positions',
      'evaluate open positions',
      'alert with full context',
      'incident report',
      'propose corrective measures',
    ]);
    const [reportStep] = await readEntries(stack.pool, { kind: 'incident.step' }).then((all) =>
      all.filter((e) => e.payload.step === 'incident report'),
    );
    assert.match(String(reportStep!.payload.outcome), /incident\.md/);
    const report = readFileSync(
      (await stack.client.workflow.getHandle(INCIDENT).query(incidentStatusQuery)).report!.markdown,
      'utf8',
    );
    assert.match(report, /## Reconciliation differences/);
    assert.ok(
      report.includes(
        `| live:kalshi | order ${outOfBand.orderId} in ${outOfBand.market}: not-in-ledger | none | 3 in `,
      ),
      report,
    );
    assert.ok(report.includes(`| live:kalshi | position in ${outOfBand.market} | 0 | 3 |`), report);
    assert.equal(await stack.cli('incident', 'show', INCIDENT), 0, stack.output.join('\n'));
    assert.match(
      stack.output.join('\n'),
      new RegExp(
        `difference\\(s\\) between the ledger and the venue for live:kalshi, e\\.g\\. fill not-in-ledger order ${outOfBand.orderId}`,
      ),
    );
  });

  it('resolves with the operator approval: the venue record becomes the baseline and trading resumes', async () => {
    assert.notEqual(await stack.cli('incident', 'resolve', INCIDENT), 0, 'a resolution needs a reason');
    assert.equal(
      await stack.cli(
        'incident',
        'resolve',
        INCIDENT,
        '--reason',
        'the out-of-band order was a manual test order; accept it',
      ),
      0,
      stack.output.join('\n'),
    );
    const outcome = (await stack.client.workflow.getHandle(INCIDENT).result()) as IncidentOutcome;
    assert.equal(outcome.outcome, 'resolved');
    assert.equal(outcome.by, 'alice');
    assert.deepEqual(
      outcome.resumed.map((r) => `${r.account}:${r.action}:${r.status}`),
      ['live:kalshi:resume:ACTIVE'],
    );
    const [accepted] = await readEntries(stack.pool, { kind: 'reconciliation.accepted' });
    assert.deepEqual(accepted!.payload.acceptedOrderIds, [outOfBand.orderId]);
    assert.equal(accepted!.payload.by, 'alice');
    const [again] = await reconcile(3);
    assert.equal(again!.differences, 0, 'the accepted difference is not reported again');
    await saveHistoryFixture(stack.client, INCIDENT, 'control', 'reconciliation');
  });
});
