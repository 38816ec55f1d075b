import { existsSync } from 'node:fs';
import type { Venue } from '../../policies/orders';
import { VenueControlClient } from '../../simulators/venue-kit/control-client';
import {
  accountsAsBefore,
  accountStates,
  alertChecks,
  awaitIncident,
  check,
  ledgerMark,
  requireNoOpenIncident,
  resolveIncident,
  waitFor,
  type DrillCheck,
  type DrillContext,
} from './drill-kit';
import { safeModeFile } from '../../platform/safe-mode';

/**
 * seed "Technical Failure Protocol" on a venue outage: the drill makes the SIMULATED venue (production and demo)
 * answer every API request with 503 and runs the health check now. NEMO should open a technical-failure incident,
 * re-check the venue 3 times, alert the operator, and enter safe mode with all trading halted. Then the venue comes
 * back and the drill resolves the incident as the operator would; safe mode clears and trading resumes.
 */
export async function outageDrill(
  ctx: DrillContext,
  venue: Venue,
): Promise<{ checks: DrillCheck[]; restored: DrillCheck[] }> {
  await requireNoOpenIncident(ctx);
  const statesBefore = await accountStates(ctx);
  const instances =
    venue === 'kalshi'
      ? [ctx.venues.control.kalshiProduction, ctx.venues.control.kalshiDemo]
      : [ctx.venues.control.coinbaseProduction, ctx.venues.control.coinbaseDemo];
  const controls = instances.map((url) => new VenueControlClient(url, ctx.controlToken));
  const mark = await ledgerMark(ctx);
  for (const control of controls)
    await control.addFault({ kind: 'server-error', path: '^/', status: 503, reason: 'nemo drill outage' });
  ctx.say(`took the SIMULATED ${venue} venue down (every API request answers 503); running the health check now`);
  await ctx.client.schedule.getHandle('nemo-health-check').trigger();

  const checks: DrillCheck[] = [];
  const incidentId = `incident/technical-failure/health/${venue}`;
  const incident = await awaitIncident(ctx, mark, incidentId);
  checks.push(
    check(
      'technical-failure incident opened',
      Boolean(incident),
      incident ? `${incidentId} (ledger seq ${incident.seq})` : `none within ${ctx.waitMs / 1000} s`,
    ),
  );
  if (incident) {
    checks.push(
      ...(await alertChecks(ctx, mark, 'restarts failed', new RegExp(`^TECHNICAL FAILURE: health/${venue}$`))),
    );
    const halted = await waitFor(async () => {
      const states = await accountStates(ctx);
      return existsSync(safeModeFile(ctx.home)) && Object.values(states).every((s) => s === 'HALTED')
        ? states
        : undefined;
    }, ctx.waitMs);
    checks.push(
      check(
        'safe mode, all trading halted',
        Boolean(halted),
        halted
          ? Object.entries(halted)
              .map(([a, s]) => `${a} ${s}`)
              .join(', ')
          : 'not within the wait',
      ),
    );
  }

  const restored: DrillCheck[] = [];
  for (const control of controls) await control.clearFaults();
  restored.push(check(`SIMULATED ${venue} venue back`, true, 'faults cleared'));
  if (incident)
    restored.push(await resolveIncident(ctx, incidentId, `drill outage: the SIMULATED ${venue} venue is back`));
  const cleared = await waitFor(() => (existsSync(safeModeFile(ctx.home)) ? undefined : true), ctx.waitMs);
  restored.push(
    check(
      'safe mode cleared',
      Boolean(cleared),
      cleared ? 'monitoring only no more' : `${safeModeFile(ctx.home)} still there`,
    ),
  );
  restored.push(...(await accountsAsBefore(ctx, statesBefore, 'outage')));
  return { checks, restored };
}
