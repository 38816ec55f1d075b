import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../../activities/operations/reconciliation';
import { TASK_QUEUES } from '../../policies/domains';
import { dollars } from '../../policies/format';
import { correctiveMeasures, type AccountEvaluation } from '../../policies/incident-evaluation';
import { incidentScope } from '../../policies/incident-triggers';
import { describeRow, type ReconciliationRow } from '../../policies/reconciliation';
import { INCIDENT_STEP } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import type { IncidentInput, IncidentOutcome } from '../../contracts/incidents';
import { beginIncident, incidentActivities, trippedAccounts } from './incident-protocol';

const { acceptReconciliation } = proxyActivities<ReconciliationActivities>({
  taskQueue: TASK_QUEUES.control,
  ...INCIDENT_STEP,
});

/**
 * seed "Financial Loss Protocol": 1. stop all new positions; 2. evaluate open positions; 3. alert the operator with
 * full context; 4. generate a loss analysis report; 5. propose corrective measures; 6. await approval before resuming.
 * Triggers: a guardian's breaker (PAUSED on the daily loss, SHUTDOWN on the total loss) and reconciliation
 * differences with the venue. The incident covers the account's whole domain (live or paper).
 */
export async function financialLoss(input: IncidentInput): Promise<IncidentOutcome> {
  const incident = await beginIncident(input);
  const domains = incidentScope(incident.incidentId);

  // 1. No new positions in the domain: accounts still trading are HALTED; one a breaker stopped stays as it is.
  const stopped = await incident.step(
    'stop all new positions',
    () =>
      incidentActivities.haltGuardians({
        incidentId: incident.incidentId,
        reason: `financial loss: ${incident.first.summary}`,
        domains,
        onlyAdmitting: true,
      }),
    (results) =>
      results.length === 0
        ? 'no guardian is running'
        : results
            .map((r) => `${r.account}: ${r.signalled ? `${r.before} -> ${r.after}` : `already ${r.before}`}`)
            .join('; '),
  );

  // 2. Each account's figures, and each open position against the book: its mark and what closing it would fetch.
  const accounts = await incident.step(
    'evaluate open positions',
    () => incidentActivities.evaluateAccounts({ domains }),
    describeAccounts,
  );

  // 5 (computed here so the alert and the report carry them). Measures follow from the figures.
  const differences = incident.status.triggers.reduce(
    (n, t) => n + (t.source === 'reconciliation' ? Number(t.details.differences ?? 0) : 0),
    0,
  );
  const measures = correctiveMeasures(accounts, differences);

  // 3. The operator, with the full context.
  await incident.step(
    'alert with full context',
    () =>
      raiseAlert({
        severity: 'critical',
        title: `FINANCIAL LOSS: ${input.cause}`,
        body: [
          incident.first.summary,
          `New positions stopped: ${stopped.map((s) => `${s.account} ${s.after}`).join(', ') || 'no guardian running'}.`,
          describeAccounts(accounts),
          `Proposed: ${measures[0]}`,
          `Incident ${incident.incidentId}: \`nemo incident show\` for the report.`,
        ]
          .join('\n')
          .slice(0, 3900),
        dedupeKey: incident.incidentId,
      }),
    (receipt) => `alert ${receipt.outcome} (ledger seq ${receipt.seq})`,
  );

  // 4 and 5. The loss analysis report, with the proposed measures.
  const reconciliationRows = incident.status.triggers.flatMap((t) =>
    t.source === 'reconciliation'
      ? ((t.details.rows as unknown as ReconciliationRow[]) ?? []).map((r) => ({
          account: t.account!,
          ...describeRow(r),
        }))
      : [],
  );
  await incident.report(
    `Loss analysis: ${input.cause}`,
    [
      {
        heading: 'Accounts',
        columns: ['account', 'status', 'equity', 'day P&L', 'total P&L', 'exposure', 'exposure limit', 'note'],
        rows: accounts.map((a) => [
          a.account,
          a.status,
          dollars(a.equityCents),
          dollars(a.equityCents - a.dayBaselineCents),
          dollars(a.equityCents - a.startingValueCents),
          dollars(a.exposureCents),
          dollars(a.exposureLimitCents),
          a.note ?? '',
        ]),
      },
      {
        heading: 'Open positions and what closing them would cost',
        columns: [
          'account',
          'market',
          'holding',
          'mark',
          'closing proceeds (after fees)',
          'fees',
          'cost of closing',
          'book cannot take',
        ],
        rows: accounts.flatMap((a) =>
          a.positions.map((p) => [
            a.account,
            p.market,
            p.holding,
            dollars(p.markCents),
            dollars(p.proceedsCents),
            dollars(p.feesCents),
            dollars(p.closingCostCents),
            p.unfilled,
          ]),
        ),
      },
      ...(reconciliationRows.length
        ? [
            {
              heading: 'Reconciliation differences',
              columns: ['account', 'what differs', 'ledger', 'venue'],
              rows: reconciliationRows.map((r) => [r.account, r.what, r.ledger, r.venue]),
            },
          ]
        : []),
    ],
    measures,
    `Review the report, then resolve: \`nemo incident resolve ${incident.incidentId} --reason "..."\`. Resolving resumes what this incident stopped and lifts the daily-loss pause of ${trippedAccounts(incident).join(', ') || 'no account'}; a SHUTDOWN needs \`nemo reset\`.`,
  );
  await incident.step(
    'propose corrective measures',
    async () => measures,
    (m) => m.join(' | '),
  );

  // 6. Approval; a reconciliation's differences are then accepted as the venue's record, and trading resumes.
  const approval = await incident.awaitResolution({
    summary: `Financial loss (${input.cause}). Approve to resume trading in ${domains.join(', ')}.`,
    what: `resume ${domains.join(' and ')} trading stopped by this incident${differences ? `, and accept ${differences} reconciliation difference(s) as the venue's record` : ''}`,
    why: incident.first.summary,
    limits: measures.slice(0, 3).join(' ').slice(0, 1000),
  });
  for (const trigger of incident.status.triggers.filter((t) => t.source === 'reconciliation')) {
    await incident.step(
      `accept reconciliation of ${trigger.account}`,
      () =>
        acceptReconciliation({
          reconciliationSeq: Number(trigger.details.seq),
          by: approval.by,
          reason: approval.reason,
        }),
      (r) => `baseline now ledger entry ${r.seq}`,
    );
  }
  const resumed = await incident.resume(approval, domains, trippedAccounts(incident));
  return incident.finish('resolved', approval, resumed);
}

function describeAccounts(accounts: AccountEvaluation[]): string {
  if (accounts.length === 0) return 'no guardian is running';
  return accounts
    .map((a) => {
      const positions = a.positions
        .map(
          (p) => `${p.market} ${p.holding} mark ${dollars(p.markCents)}, closing costs ${dollars(p.closingCostCents)}`,
        )
        .join('; ');
      return `${a.account} ${a.status}: equity ${dollars(a.equityCents)}, day ${dollars(a.equityCents - a.dayBaselineCents)}, exposure ${dollars(a.exposureCents)} of ${dollars(a.exposureLimitCents)}${positions ? `; ${positions}` : ''}${a.note ? ` (${a.note})` : ''}`;
    })
    .join(' | ');
}
