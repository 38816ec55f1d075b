import { dollars, percent } from '../../policies/format';
import type { TradingDomain } from '../../policies/limits';
import { fractionOfCents } from '../../policies/money';
import type { Venue } from '../../policies/orders';
import {
  guardianStatusQuery,
  guardianWorkflowId,
  operatorCommandUpdate,
  type OperatorCommand,
} from '../../contracts/guardian';
import {
  accountsAsBefore,
  accountStates,
  alertChecks,
  check,
  DrillRefused,
  requireNoOpenIncident,
  awaitIncident,
  ledgerMark,
  resolveIncident,
  simulatedCash,
  waitFor,
  type DrillCheck,
  type DrillContext,
} from './drill-kit';

/**
 * seed: "Automatic trading halt on 5% daily drawdown" and "Complete shutdown at 65% total loss". The drill takes the
 * account's SIMULATED cash one point past the limit, then checks that the guardian stopped trading (PAUSED or
 * SHUTDOWN), that the operator was alerted, and that a financial-loss incident opened; then it puts the cash back
 * and lifts the stop the way the operator would (incident resolved; a SHUTDOWN reset).
 */
export async function lossDrill(
  ctx: DrillContext,
  drill: 'loss' | 'total-loss',
  domain: TradingDomain,
  venue: Venue,
): Promise<{ checks: DrillCheck[]; restored: DrillCheck[] }> {
  const account = `${domain}:${venue}`;
  const guardian = ctx.client.workflow.getHandle(guardianWorkflowId(domain, venue));
  const status = () => guardian.query(guardianStatusQuery);
  const before = await status();
  if (before.trading.status !== 'ACTIVE') {
    throw new DrillRefused(
      `${account} is ${before.trading.status}: a loss drill starts from ACTIVE (\`nemo resume\` or \`nemo reset\` it first)`,
    );
  }
  await requireNoOpenIncident(ctx);
  const statesBefore = await accountStates(ctx);
  const { limits } = before.policy;
  const expected = drill === 'loss' ? 'PAUSED' : 'SHUTDOWN';
  // One percentage point past the limit, measured from what the limit is measured from.
  const target =
    drill === 'loss'
      ? before.trading.dayBaselineCents -
        fractionOfCents(before.trading.dayBaselineCents, limits.maxDailyLossFraction + 0.01)
      : before.trading.startingValueCents -
        fractionOfCents(before.trading.startingValueCents, limits.maxTotalLossFraction + 0.01);
  const fall = before.trading.equityCents - target;
  const cash = simulatedCash(ctx, domain, venue);
  const cashBefore = await cash.read();
  if (fall > cashBefore)
    throw new DrillRefused(
      `${account}'s SIMULATED cash ${dollars(cashBefore)} cannot carry the ${dollars(fall)} fall the drill needs`,
    );

  const mark = await ledgerMark(ctx);
  await cash.set(cashBefore - fall);
  const limit =
    drill === 'loss'
      ? `daily loss limit ${percent(limits.maxDailyLossFraction)}`
      : `total loss limit ${percent(limits.maxTotalLossFraction)}`;
  ctx.say(
    `moved ${account}'s SIMULATED cash ${dollars(cashBefore)} -> ${dollars(cashBefore - fall)}: equity ${dollars(before.trading.equityCents)} -> ${dollars(target)}, past the ${limit}`,
  );

  const checks: DrillCheck[] = [];
  const started = Date.now();
  const tripped = await waitFor(async () => {
    const now = await status();
    return now.trading.status === expected ? now : undefined;
  }, ctx.waitMs);
  checks.push(
    check(
      `${account} ${expected}`,
      Boolean(tripped),
      tripped
        ? `after ${Math.round((Date.now() - started) / 1000)} s: equity ${dollars(tripped.trading.equityCents)}, day ${dollars(tripped.dayPnlCents)}, total ${dollars(tripped.totalPnlCents)}`
        : `still ${(await status()).trading.status} after ${ctx.waitMs / 1000} s`,
    ),
  );
  if (drill === 'total-loss' && tripped) {
    const resume = await guardian.executeUpdate(operatorCommandUpdate, {
      args: [{ action: 'resume', by: ctx.config.NEMO_OPERATOR, reason: `drill ${drill}: a resume must be refused` }],
    });
    checks.push(
      check(
        'resume refused while SHUTDOWN',
        !resume.applied,
        resume.applied ? 'the guardian resumed: a SHUTDOWN must need a reset' : `refused: ${resume.refused}`,
      ),
    );
  }
  checks.push(
    ...(await alertChecks(ctx, mark, `${account} ${expected}`, new RegExp(`^NEMO ${domain} ${venue}: ${expected}$`))),
  );
  const incidentId = `incident/financial-loss/loss/${account}`;
  const incident = await awaitIncident(ctx, mark, incidentId);
  checks.push(
    check(
      'financial-loss incident opened',
      Boolean(incident),
      incident ? `${incidentId} (ledger seq ${incident.seq})` : `none within ${ctx.waitMs / 1000} s`,
    ),
  );
  if (incident)
    checks.push(...(await alertChecks(ctx, mark, 'the incident', new RegExp(`^FINANCIAL LOSS: loss/${account}`))));

  // Put back: the cash first (and a mark that sees it), so the resumed day is measured from the real value.
  const restored: DrillCheck[] = [];
  await cash.set((await cash.read()) + fall);
  const putBackAt = Date.now();
  const marked = await waitFor(async () => {
    const now = await status();
    return now.lastMarkAt && Date.parse(now.lastMarkAt) > putBackAt ? now : undefined;
  }, ctx.waitMs);
  restored.push(
    check(
      'SIMULATED cash put back',
      Boolean(marked),
      marked
        ? `cash ${dollars(await cash.read())}; marked equity ${dollars(marked.trading.equityCents)} (before the drill ${dollars(before.trading.equityCents)})`
        : 'no mark saw it',
    ),
  );
  const operator = (action: OperatorCommand['action']) =>
    guardian.executeUpdate(operatorCommandUpdate, {
      args: [{ action, by: ctx.config.NEMO_OPERATOR, reason: `drill ${drill}: SIMULATED loss, cash put back` }],
    });
  if (drill === 'total-loss') {
    const reset = await operator('reset');
    restored.push(
      check(
        'SHUTDOWN reset by the operator',
        reset.applied,
        reset.applied ? `now ${reset.status}` : `refused: ${reset.refused}`,
      ),
    );
  }
  if (incident) restored.push(await resolveIncident(ctx, incidentId, `drill ${drill}: SIMULATED loss, cash put back`));
  else if ((await status()).trading.status === 'PAUSED') await operator('resume');
  restored.push(...(await accountsAsBefore(ctx, statesBefore, drill)));
  return { checks, restored };
}
