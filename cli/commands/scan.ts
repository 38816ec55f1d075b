import { loadConfig } from '../../platform/config';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { scanProgressQuery, type ScanProgress } from '../../contracts/candidates';
import type { Command } from '../command';

/**
 * `nemo scan`: the research scan's progress (the newest run, queried live), or `--now` to run one at once through
 * its schedule (overlap SKIP: a scan already running is not doubled).
 */
export const scanCommand: Command = {
  name: 'scan',
  usage: 'scan [--now] [--json]',
  summary: "Show the research scan's progress (markets listed, analysed, candidates, quarantined); --now starts one",
  options: { now: { type: 'boolean' } },
  async run({ values, io, env }) {
    const config = loadConfig(env);
    const client = await connectClient(nemoTemporalTarget(config, env));
    try {
      if (values.now) {
        await client.schedule.getHandle('nemo-research-scan').trigger();
        io.out('research scan started (the schedule runs it; a scan already running is left to finish)');
        await new Promise((r) => setTimeout(r, 1000));
      }
      let latest: { workflowId: string; status: string; startTime: Date } | undefined;
      for await (const run of client.workflow.list({ query: "WorkflowType = 'researchScan'" })) {
        if (!latest || run.startTime > latest.startTime)
          latest = { workflowId: run.workflowId, status: run.status.name, startTime: run.startTime };
      }
      if (!latest) {
        io.out('no research scan has run yet');
        return 0;
      }
      const handle = client.workflow.getHandle(latest.workflowId);
      const progress: ScanProgress | undefined =
        latest.status === 'RUNNING'
          ? await handle.query(scanProgressQuery)
          : await handle.result().catch(() => undefined);
      if (values.json) {
        io.out(JSON.stringify({ ...latest, progress: progress ?? null }, null, 2));
        return 0;
      }
      io.out(`${latest.workflowId}: ${latest.status} (started ${latest.startTime.toISOString()})`);
      if (progress) {
        io.out(
          `  ${progress.stage}: ${progress.marketsAnalysed}/${progress.marketsListed} markets analysed, ${progress.candidates} candidates, ${progress.quarantined} quarantined, ${progress.abstained} abstained`,
        );
      }
      return 0;
    } finally {
      await client.connection.close();
    }
  },
};
