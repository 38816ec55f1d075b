import { msToNumber } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../platform/config';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { TASK_QUEUES } from '../../policies/domains';
import type { PublishedReport } from '../../workflows/operations/audit-report';
import { UsageError, type Command } from '../command';

/**
 * `nemo report daily|weekly|monthly`: runs the audit and its report now, as the schedules do (the same workflow on
 * the control worker, visible in the Web UI), and prints what it found and where the files are.
 */
const WORKFLOWS: Record<string, string> = { daily: 'dailyAudit', weekly: 'weeklyReview', monthly: 'monthlyDeepDive' };

export const reportCommand: Command = {
  name: 'report',
  usage: 'report daily|weekly|monthly [--as-of ISO-TIME] [--wait 10m] [--json]',
  summary:
    'Run an audit now and write its report (Markdown, HTML, PNG charts) to NEMO_HOME/reports; email it if configured',
  options: { 'as-of': { type: 'string' }, wait: { type: 'string' } },
  async run({ positionals, values, io, env }) {
    const kind = positionals[0] ?? '';
    if (!Object.hasOwn(WORKFLOWS, kind) || positionals.length > 1)
      throw new UsageError('give one report kind: daily, weekly or monthly');
    const asOf = typeof values['as-of'] === 'string' ? values['as-of'] : undefined;
    if (asOf !== undefined && Number.isNaN(Date.parse(asOf)))
      throw new UsageError(`--as-of "${asOf}" is not an ISO time such as 2026-02-12T00:00:00Z`);
    let waitMs: number;
    try {
      waitMs = msToNumber((typeof values.wait === 'string' ? values.wait : '10m') as '10m');
    } catch {
      throw new UsageError(`--wait "${String(values.wait)}" is not a duration such as 30s or 10m`);
    }
    const config = loadConfig(env);
    const client = await connectClient(nemoTemporalTarget(config, env));
    try {
      const handle = await client.workflow.start(WORKFLOWS[kind]!, {
        taskQueue: TASK_QUEUES.control,
        workflowId: `report/${kind}/${new Date().toISOString()}`,
        args: [asOf ? { asOf } : {}],
      });
      let published: PublishedReport;
      try {
        published = (await client.connection.withDeadline(Date.now() + waitMs, () =>
          handle.result(),
        )) as PublishedReport;
      } catch (err) {
        if (err instanceof WorkflowFailedError) throw err;
        io.err(
          `the ${kind} report (workflow ${handle.workflowId}) did not finish within ${values.wait ?? '10m'}: is the control worker running (\`nemo status\`)? It finishes when it runs.`,
        );
        return 1;
      }
      if (values.json) {
        io.out(JSON.stringify(published, null, 2));
        return 0;
      }
      for (const f of published.findings) {
        io.out(`${f.ok ? 'ok     ' : 'PROBLEM'}  ${f.check}: ${f.summary}`);
        for (const p of f.problems) io.out(`           - ${p}`);
      }
      io.out(`report: ${published.report.html}`);
      io.out(`        ${published.report.markdown}`);
      for (const image of published.report.images) io.out(`        ${image}`);
      io.out(published.emailed);
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};
