import type { Client } from '@temporalio/client';
import { appendEntry } from '../../ledger/ledger-store';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { loadConfig } from '../../platform/config';
import { ledgerPool } from '../../platform/ledger-key';
import { nemoHome, type NemoHome } from '../../platform/nemo-home';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { requestWorkerRestart } from '../../platform/worker-restarts';
import { readWorkerReport } from '../../activities/upgrade/deployment-state';
import { DOMAINS, TASK_QUEUES, type Domain } from '../../policies/domains';
import { UsageError, type Command } from '../command';
import { readStackDescription } from '../../platform/stack-description';

const RESTART_WAIT_MS = 60_000;

/** The pid of the domain's worker process the running stack reports (the checkout's or a release's). */
export function workerPid(home: NemoHome, domain: Domain): number | undefined {
  const report = readWorkerReport(home);
  const processes = Object.values(report?.builds ?? {}).flatMap((b) => b.processes);
  return processes.find((p) => (p.name === domain || p.name.startsWith(`${domain}@`)) && p.state === 'running')?.pid;
}

/**
 * Waits until a process other than `previousPid` runs the domain's worker and polls its task queue; its pid, or
 * undefined after `timeoutMs`.
 */
export async function awaitReplacedWorker(
  client: Client,
  home: NemoHome,
  domain: Domain,
  previousPid: number | undefined,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let replacedAt: number | undefined;
  while (Date.now() < deadline) {
    const pid = workerPid(home, domain);
    if (pid && pid !== previousPid) {
      // A sandboxed worker is pid 1 in its own namespace, so its identity does not name the new process: a poll
      // by this domain's worker after the process was replaced is the new one's.
      replacedAt ??= Math.floor(Date.now() / 1000);
      const answer = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: TASK_QUEUES[domain], kind: 1 },
        taskQueueType: 1,
      });
      if (
        answer.pollers?.some(
          (p) => p.identity?.startsWith(`nemo-${domain}@`) && Number(p.lastAccessTime?.seconds ?? 0) >= replacedAt!,
        )
      )
        return pid;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

/**
 * `nemo worker restart DOMAIN --reason TEXT`: restarts one execution domain's worker through the running stack's
 * supervisor, with its restart count reset (seed: max 3 automatic restarts; after that an operator decides), and
 * records who asked and why. Waits until the new process polls its task queue.
 */
export const workerCommand: Command = {
  name: 'worker',
  usage: 'worker restart DOMAIN --reason TEXT',
  summary: "Restart one domain's worker (resets its restart count; the reason is recorded in the ledger)",
  options: { reason: { type: 'string' } },
  async run({ positionals, values, io, env }) {
    const [action, domain] = positionals;
    if (action !== 'restart') throw new UsageError(`unknown worker action "${action ?? ''}"`);
    if (!DOMAINS.includes(domain as Domain)) throw new UsageError(`DOMAIN must be one of ${DOMAINS.join(', ')}`);
    const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
    if (!reason)
      throw new UsageError('worker restart needs --reason TEXT: say what was found; it is recorded in the ledger');
    const config = loadConfig(env);
    const home = nemoHome(config.NEMO_HOME);
    if (!readStackDescription(home)) {
      io.err('NEMO is not running: `npm start` starts every worker');
      return 1;
    }
    const before = workerPid(home, domain as Domain);
    const pool = ledgerPool(config, 1);
    try {
      const requestedAt = new Date().toISOString();
      await appendEntry(pool, {
        kind: 'worker.restart-requested',
        domain: 'operator',
        account: SYSTEM_ACCOUNT,
        payload: { worker: domain!, by: config.NEMO_OPERATOR, reason, previousPid: before ?? null },
        idempotencyKey: `worker.restart-requested:${domain}:${requestedAt}`,
      });
      requestWorkerRestart(home, { domain: domain as Domain, reason, by: config.NEMO_OPERATOR, requestedAt });
    } finally {
      await pool.end();
    }
    io.out(
      `asked the running stack to restart the ${domain} worker (restart count reset); waiting for it to poll ${TASK_QUEUES[domain as Domain]}`,
    );
    const client = await connectClient(nemoTemporalTarget(config, env));
    try {
      const pid = await awaitReplacedWorker(client, home, domain as Domain, before, RESTART_WAIT_MS);
      if (pid) {
        io.out(`${domain} worker restarted (pid ${pid}) and polling`);
        return 0;
      }
      io.err(
        `the ${domain} worker is not polling after ${RESTART_WAIT_MS / 1000} s: see NEMO_HOME/logs/worker-${domain}*.log and \`nemo status\``,
      );
      return 1;
    } finally {
      await client.connection.close();
    }
  },
};
