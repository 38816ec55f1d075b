import { Context } from '@temporalio/activity';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appendEntry, ledgerKeyOf, readCheckpoint, readEntries, verifyChain } from '../../ledger/ledger-store';
import { dollars, percent } from '../../policies/format';
import { exposureCapCents, positionCapCents, usdLimitCents } from '../../policies/limits';
import { screenText } from '../../policies/text-screening';
import { CORPUS_FILES, parseCorpus, textOf, type CorpusItem } from '../../policies/text-screening/corpus';
import type { WorkerContext } from '../../platform/worker-context';
import { listBackups } from './backups';
import { guardianAccount, guardiansOf, queryGuardian } from '../incidents/guardians';
import type { AuditFinding, AuditWindow } from '../../reporting/ops-report';

/**
 * The seed's "Audit & Compliance" checks, each a finding: what was checked, whether it held, and every problem
 * found by name. The daily audit, weekly review and monthly deep dive (workflows/operations/audit-*.ts) put them in reports.
 */
const TERMINAL_TRADE_KINDS = ['trade.report', 'trade.refused', 'trade.not-approved', 'trade.venue-rejected'];
const TRADE_WORKFLOWS = ['liveTrade', 'paperTrade'];
const MAX_PROBLEMS = 50;
const OUTCOME_LEAD_MS = 3_600_000;
// The floors test/research/injection-corpus.test.ts holds the screening to on the tuned corpus.
const CORPUS_MIN_FLAGGED = 0.97;
const CORPUS_MAX_FALSE_INJECTION = 0.005;
export const INJECTION_CORPUS_DIR = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'injection-corpus');

function finding(check: string, summary: string, problems: string[]): AuditFinding {
  return {
    check,
    ok: problems.length === 0,
    summary,
    problems: problems
      .slice(0, MAX_PROBLEMS)
      .concat(problems.length > MAX_PROBLEMS ? [`and ${problems.length - MAX_PROBLEMS} more`] : []),
  };
}

export function createAuditActivities(ctx: WorkerContext) {
  const pool = ctx.ledgerPool;
  const inWindow = async (kind: string, window: AuditWindow) =>
    (await readEntries(pool, { kind, since: new Date(window.from), limit: 10_000 })).filter(
      (e) => e.recordedAt <= window.to,
    );

  return {
    /** capability reports.write: each running guardian's account, recorded for the reports' charts. */
    async snapshotAccounts(): Promise<{ accounts: string[] }> {
      const { workflowExecution } = Context.current().info;
      const accounts: string[] = [];
      for (const guardian of await guardiansOf(ctx.temporal, ['live', 'paper'])) {
        const status = await queryGuardian(ctx.temporal, guardian.workflowId);
        if (!status) continue;
        const account = guardianAccount(guardian);
        await appendEntry(pool, {
          kind: 'account.snapshot',
          domain: 'control',
          account,
          payload: {
            status: status.trading.status,
            equityCents: status.trading.equityCents,
            cashCents: status.cashCents,
            dayBaselineCents: status.trading.dayBaselineCents,
            startingValueCents: status.trading.startingValueCents,
            committedCents: status.exposure.committedCents,
            reservedCents: status.exposure.reservedCents,
            limitCents: status.exposure.limitCents,
            positions: status.positions.length,
          },
          idempotencyKey: `account.snapshot:${account}:${workflowExecution?.workflowId}:${workflowExecution?.runId}`,
        });
        accounts.push(account);
      }
      return { accounts };
    },

    /**
     * capability ledger.read (seed daily: "Verify all trades logged correctly"): every trade workflow that closed
     * in the window left its outcome in the ledger, every fill has its post-trade report, and the ledger's hash
     * chain verifies against the head published outside the database.
     */
    async auditTradesLogged(window: AuditWindow): Promise<AuditFinding> {
      const problems: string[] = [];
      const outcomes = new Set<string>();
      // A trade records its outcome just before it closes: look a little before the window for those at its start.
      const since = new Date(Date.parse(window.from) - OUTCOME_LEAD_MS);
      for (const kind of TERMINAL_TRADE_KINDS)
        for (const e of await readEntries(pool, { kind, since, limit: 10_000 }))
          outcomes.add(String(e.payload.workflowId));
      let workflows = 0;
      const types = TRADE_WORKFLOWS.map((t) => `'${t}'`).join(', ');
      for await (const run of ctx.temporal.workflow.list({
        query: `WorkflowType IN (${types}) AND CloseTime >= '${window.from}' AND CloseTime <= '${window.to}'`,
      })) {
        workflows += 1;
        if (!outcomes.has(run.workflowId))
          problems.push(
            `${run.type} ${run.workflowId} closed ${run.status.name} at ${run.closeTime?.toISOString()} with no outcome in the ledger`,
          );
      }
      const fills = await inWindow('trade.fill', window);
      const reported = new Set(
        (await readEntries(pool, { kind: 'trade.report', since: new Date(window.from), limit: 10_000 })).map((e) =>
          String(e.payload.clientOrderId),
        ),
      );
      for (const fill of fills)
        if (!reported.has(String(fill.payload.clientOrderId)))
          problems.push(`fill of order ${String(fill.payload.orderId)} (entry ${fill.seq}) has no post-trade report`);
      const checkpoint = readCheckpoint(ctx.home.ledgerCheckpoints);
      const chain = await verifyChain(pool, { key: ledgerKeyOf(pool), checkpoint });
      if (!chain.ok) problems.push(`the ledger does not verify: ${chain.firstBreak!.detail}`);
      // The head goes out in the emailed report: the operator's own copy of the witness, off this machine.
      const witness = checkpoint
        ? `; published head seq ${checkpoint.seq} hash ${checkpoint.hash} (${checkpoint.publishedAt})`
        : '';
      return finding(
        'trades logged',
        `${workflows} trade workflow(s), ${fills.length} fill(s); ledger of ${chain.entries} entries ${chain.ok ? 'verifies' : 'is broken'}${witness}`,
        problems,
      );
    },

    /** capability account.read (seed daily: "Check position sizes within limits"), at today's portfolio values. */
    async auditPositionLimits(): Promise<AuditFinding> {
      const problems: string[] = [];
      const accounts: string[] = [];
      for (const guardian of await guardiansOf(ctx.temporal, ['live', 'paper'])) {
        const account = guardianAccount(guardian);
        const status = await queryGuardian(ctx.temporal, guardian.workflowId);
        if (!status) {
          problems.push(`${account}: its guardian did not answer`);
          continue;
        }
        accounts.push(account);
        const { limits } = status.policy;
        const equity = status.trading.equityCents;
        const exposure = status.exposure.committedCents + status.exposure.reservedCents;
        const cap = exposureCapCents(limits, equity);
        if (exposure > cap)
          problems.push(
            `${account}: exposure ${dollars(exposure)} is above ${percent(limits.maxExposureFraction)} of ${dollars(equity)} (${dollars(cap)})`,
          );
        const positionCap =
          guardian.domain === 'live'
            ? Math.min(positionCapCents(limits, equity), usdLimitCents(limits.maxPositionUsd))
            : positionCapCents(limits, equity);
        for (const [market, cents] of Object.entries(status.exposureBook.committed)) {
          if (cents > positionCap)
            problems.push(`${account} ${market}: position ${dollars(cents)} is above its cap ${dollars(positionCap)}`);
        }
      }
      return finding(
        'positions within limits',
        accounts.length ? `${accounts.join(', ')} checked against today's values` : 'no guardian is running',
        problems,
      );
    },

    /** capability backups.run (seed daily: "Validate backup integrity"): hourly backups proven by a restore. */
    async auditBackups(window: AuditWindow): Promise<AuditFinding> {
      const verified = await inWindow('backup.verified', window);
      const failed = await inWindow('backup.failed', window);
      const problems = failed.map(
        (e) => `backup ${String(e.payload.name)} failed its proof: ${String(e.payload.problem)}`,
      );
      const latest = verified.at(-1);
      if (!latest) problems.push('no backup was proven by a restore in the period');
      else if (
        !listBackups(ctx.config.NEMO_BACKUP_DIR ?? ctx.home.backups).some(
          (b) => b.name === latest.payload.name && existsSync(b.file),
        )
      ) {
        problems.push(`the newest proven backup ${String(latest.payload.name)} is no longer on disk`);
      }
      const restore = latest
        ? `; newest ${String(latest.payload.name)}, restored and verified in ${String(latest.payload.restoreMs)} ms`
        : '';
      return finding(
        'backup integrity',
        `${verified.length} backup(s) proven, ${failed.length} failed${restore}`,
        problems,
      );
    },

    /**
     * capability reports.write (seed monthly: "Penetration testing (simulated attacks)"): the injection corpus run
     * through the research screening gate, measured as the corpus test measures it.
     */
    async runInjectionDrill(): Promise<AuditFinding> {
      const load = (file: string) => parseCorpus(readFileSync(path.join(INJECTION_CORPUS_DIR, file), 'utf8'));
      const verdicts = (items: CorpusItem[]) =>
        items.map((s) => ({ id: s.id, verdict: screenText(textOf(s)).verdict }));
      const rate = (items: { verdict: string }[], pick: (v: string) => boolean) =>
        items.filter((i) => pick(i.verdict)).length / Math.max(1, items.length);
      const attacks = verdicts(load(CORPUS_FILES.attacks));
      const benign = verdicts(load(CORPUS_FILES.ordinary).filter((o) => o.kind === 'ordinary'));
      const heldAttacks = verdicts(load('holdout-attacks.jsonl'));
      const heldBenign = verdicts(load('holdout-benign.jsonl'));
      const figures = {
        attacks: attacks.length,
        flagged: rate(attacks, (v) => v !== 'clean'),
        injection: rate(attacks, (v) => v === 'injection'),
        benign: benign.length,
        falseFlagged: rate(benign, (v) => v !== 'clean'),
        falseInjection: rate(benign, (v) => v === 'injection'),
        holdoutFlagged: rate(heldAttacks, (v) => v !== 'clean'),
        holdoutFalseInjection: rate(heldBenign, (v) => v === 'injection'),
      };
      const problems = attacks
        .filter((a) => a.verdict === 'clean')
        .map((a) => `attack ${a.id} passed the gate as clean`);
      if (figures.flagged < CORPUS_MIN_FLAGGED)
        problems.unshift(`only ${percent(figures.flagged)} of attacks flagged (floor ${percent(CORPUS_MIN_FLAGGED)})`);
      if (figures.falseInjection > CORPUS_MAX_FALSE_INJECTION)
        problems.unshift(
          `${percent(figures.falseInjection)} of ordinary texts called injections (ceiling ${percent(CORPUS_MAX_FALSE_INJECTION)})`,
        );
      // A few misses on the tuned corpus are known; the drill fails on the floors, and lists every miss.
      const failedFloors = figures.flagged < CORPUS_MIN_FLAGGED || figures.falseInjection > CORPUS_MAX_FALSE_INJECTION;
      return {
        check: 'simulated attacks (injection corpus)',
        ok: !failedFloors,
        summary: `${attacks.length} attacks: ${percent(figures.flagged)} flagged, ${percent(figures.injection)} called injections; ${benign.length} ordinary texts: ${percent(figures.falseFlagged)} flagged, ${percent(figures.falseInjection)} called injections; held-out set: ${percent(figures.holdoutFlagged)} flagged, ${percent(figures.holdoutFalseInjection)} false injections`,
        problems: problems.slice(0, MAX_PROBLEMS),
      };
    },

    /**
     * capability ledger.read (seed monthly: "Operator review session"): what the operator decided in the period and
     * what still waits for them.
     */
    async operatorReview(window: AuditWindow): Promise<AuditFinding> {
      const { rows } = await pool.query<{ kind: string; status: string; n: string }>(
        'SELECT kind, status, count(*) AS n FROM approvals WHERE created_at >= $1 AND created_at <= $2 GROUP BY kind, status ORDER BY kind, status',
        [window.from, window.to],
      );
      const decisions = Object.fromEntries(rows.map((r) => [`${r.kind} ${r.status}`, Number(r.n)]));
      const pending = await pool.query<{ id: string; kind: string; subject: string; created_at: Date }>(
        "SELECT id, kind, subject, created_at FROM approvals WHERE status = 'pending' AND expires_at > now() ORDER BY created_at",
      );
      const commands = await readEntries(pool, {
        kindPrefix: 'operator.',
        since: new Date(window.from),
        limit: 10_000,
      });
      const opened = await inWindow('incident.opened', window);
      const resolved = await inWindow('incident.resolved', window);
      const problems = pending.rows.map(
        (p) => `approval #${p.id} (${p.kind}: ${p.subject}) waits since ${p.created_at.toISOString()}`,
      );
      const summary = [
        `${rows.reduce((n, r) => n + Number(r.n), 0)} approval request(s) (${
          Object.entries(decisions)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ') || 'none'
        })`,
        `${commands.length} operator command(s) (${[...new Set(commands.map((c) => c.kind.replace('operator.', '')))].join(', ') || 'none'})`,
        `${opened.length} incident(s) opened, ${resolved.length} closed`,
      ].join('; ');
      return finding('operator review', summary, problems);
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
