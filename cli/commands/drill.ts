import { msToNumber } from '@temporalio/common';
import { loadConfig } from '../../platform/config';
import { ledgerPool } from '../../platform/ledger-key';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import { UsageError, type Command } from '../command';
import {
  DRILLS,
  DrillRefused,
  drillMarkdown,
  recordDrill,
  simulatedStack,
  writeDrillReport,
  type DrillCheck,
  type DrillContext,
  type DrillName,
  type DrillReport,
} from '../drills/drill-kit';
import { lossDrill } from '../drills/loss';
import { outageDrill } from '../drills/outage';
import { restoreDrill } from '../drills/restore';
import { injectionDrill } from '../drills/injection';
import { crashDrill } from '../drills/crash';

type DrillRun = (
  ctx: DrillContext,
  account: { domain: TradingDomain; venue: Venue },
  startedAt: string,
) => Promise<{ checks: DrillCheck[]; restored: DrillCheck[] }>;

/** `account`: the account the drill works on unless --account names one (none: the drill concerns all of NEMO). */
const RUNS: Record<DrillName, { run: DrillRun; account: string | null }> = {
  loss: { run: (ctx, a) => lossDrill(ctx, 'loss', a.domain, a.venue), account: 'live:kalshi' },
  'total-loss': { run: (ctx, a) => lossDrill(ctx, 'total-loss', a.domain, a.venue), account: 'live:kalshi' },
  outage: { run: (ctx, a) => outageDrill(ctx, a.venue), account: 'live:kalshi' },
  // Its order goes through the paper trade workflow: a live trade of a new strategy would first wait for the operator.
  crash: { run: (ctx, a, startedAt) => crashDrill(ctx, a.domain, a.venue, startedAt), account: 'paper:kalshi' },
  restore: { run: (ctx) => restoreDrill(ctx), account: null },
  injection: { run: (ctx, _a, startedAt) => injectionDrill(ctx, startedAt), account: null },
};

/**
 * `nemo drill KIND`: rehearses one of the seed's protocols on the running SIMULATED stack (seed: "Monthly disaster
 * recovery drills", "Simulated attack scenarios"), checks what NEMO did, writes a pass/fail report to
 * NEMO_HOME/reports and puts everything back. Real venue keys refuse every drill.
 */
export const drillCommand: Command = {
  name: 'drill',
  usage: `drill ${DRILLS.join('|')} [--account DOMAIN:VENUE] [--wait DURATION] [--json]`,
  summary:
    'Rehearse a protocol on the SIMULATED venues (loss, total loss, outage, crash, restore, injection; --account defaults to live:kalshi, for crash paper:kalshi); pass/fail report in NEMO_HOME/reports',
  options: { account: { type: 'string' }, wait: { type: 'string' } },
  async run({ positionals, values, io, env }) {
    const name = positionals[0] ?? '';
    if (!(DRILLS as readonly string[]).includes(name) || positionals.length > 1)
      throw new UsageError(`give one drill: ${DRILLS.join(', ')}`);
    const drill = RUNS[name as DrillName];
    const accountText = typeof values.account === 'string' ? values.account : (drill.account ?? 'live:kalshi');
    if (!/^(live|paper):(kalshi|coinbase)$/.test(accountText))
      throw new UsageError('--account must be live:kalshi, live:coinbase, paper:kalshi or paper:coinbase');
    const [domain, venue] = accountText.split(':') as [TradingDomain, Venue];
    const config = loadConfig(env);
    let waitMs: number;
    try {
      // Long enough for two marks of the account (NEMO_MARK_EVERY) and the protocol that follows.
      waitMs =
        typeof values.wait === 'string'
          ? msToNumber(values.wait as '1m')
          : 2 * msToNumber(config.NEMO_MARK_EVERY as '1m') + 30_000;
    } catch {
      throw new UsageError(`--wait "${String(values.wait)}" is not a duration such as 90s or 3m`);
    }

    let found: ReturnType<typeof simulatedStack>;
    try {
      found = simulatedStack(config, env);
    } catch (err) {
      if (!(err instanceof DrillRefused)) throw err;
      io.err(`drill ${name} refused: ${err.message}`);
      return 1;
    }
    const client = await connectClient({
      ...nemoTemporalTarget(config, env),
      address: found.stack.temporalAddress,
      namespace: found.stack.namespace,
    });
    const pool = ledgerPool(config, 2);
    const ctx: DrillContext = {
      config,
      home: found.home,
      stack: found.stack,
      venues: found.venues.description,
      controlToken: found.venues.controlToken,
      client,
      pool,
      waitMs,
      say: (line) => (values.json ? undefined : io.out(line)),
    };
    const report: DrillReport = {
      drill: name as DrillName,
      account: drill.account ? accountText : null,
      startedAt: new Date().toISOString(),
      finishedAt: '',
      passed: false,
      checks: [],
      restored: [],
    };
    try {
      ctx.say(
        `drill ${name}${drill.account ? ` on ${accountText}` : ''}: SIMULATED venues only; operator ${config.NEMO_OPERATOR}`,
      );
      await recordDrill(ctx, report, 'drill.started');
      try {
        Object.assign(report, await drill.run(ctx, { domain, venue }, report.startedAt));
      } catch (err) {
        if (!(err instanceof DrillRefused)) throw err;
        io.err(`drill ${name} refused: ${err.message}`);
        report.checks.push({ name: 'precondition', pass: false, detail: err.message });
      }
      report.finishedAt = new Date().toISOString();
      report.passed = report.checks.length > 0 && [...report.checks, ...report.restored].every((c) => c.pass);
      const files = writeDrillReport(found.home, report);
      await recordDrill(ctx, report, 'drill.finished');
      if (values.json) io.out(JSON.stringify({ ...report, files }, null, 2));
      else {
        io.out('');
        io.out(drillMarkdown(report).trimEnd());
        io.out('');
        io.out(`report: ${files.markdown}`);
      }
      return report.passed ? 0 : 1;
    } finally {
      await pool.end();
      await client.connection.close();
    }
  },
};
