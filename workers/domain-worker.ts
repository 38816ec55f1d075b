import path from 'node:path';
import { Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createLedgerActivities } from '../activities/ledger';
import { guardActivities } from '../activities/domain-guard';
import { appendEntry } from '../ledger/ledger-store';
import { loadConfig, type NemoConfig } from '../platform/config';
import { createLogger, temporalLoggerFor, type Logger } from '../platform/logger';
import { nemoHome } from '../platform/nemo-home';
import { appPool } from '../platform/postgres';
import { NO_SECRETS, type SecretSource } from '../platform/secrets';
import { connectClient, connectWorker, temporalAddress } from '../platform/temporal-connection';
import { TASK_QUEUES, type Domain } from '../policies/domains';
import type { WorkerContext } from './worker-context';

type Activities = Record<string, (...args: never[]) => Promise<unknown>>;

export interface DomainWorkerSpec {
  domain: Domain;
  /** The domain's own activities (the ledger append is added for every domain). */
  activities: (ctx: WorkerContext) => Activities | Promise<Activities>;
}

export function workflowsModule(domain: Domain): string {
  return path.resolve(__dirname, '..', 'workflows', `${domain}-domain.ts`);
}

function domainLogger(domain: Domain, config: NemoConfig): Logger {
  return createLogger({ name: `worker-${domain}`, level: config.NEMO_LOG_LEVEL, logDir: nemoHome(config.NEMO_HOME).logs });
}

/**
 * Builds one execution domain's worker: its own task queue, only its own workflows and activities, every activity
 * guarded by the domain matrix, logs bridged to pino.
 */
export async function createDomainWorker(
  spec: DomainWorkerSpec,
  config: NemoConfig,
  options: { logger?: Logger; secrets?: SecretSource; overrides?: Partial<WorkerOptions> } = {},
): Promise<{ worker: Worker; ctx: WorkerContext; close: () => Promise<void> }> {
  const home = nemoHome(config.NEMO_HOME);
  const logger = options.logger ?? domainLogger(spec.domain, config);
  const target = { address: temporalAddress(config), namespace: config.TEMPORAL_NAMESPACE };
  const ledgerPool = appPool(config.DATABASE_URL);
  const temporal = await connectClient(target);
  const connection = await connectWorker(target);
  const ctx: WorkerContext = { domain: spec.domain, config, home, logger, ledgerPool, temporal, secrets: options.secrets ?? NO_SECRETS };

  const activities = guardActivities(
    spec.domain,
    { ...createLedgerActivities(ledgerPool, spec.domain), ...(await spec.activities(ctx)) },
    async (violation) => {
      logger.error({ violation }, 'domain violation refused');
      await appendEntry(ledgerPool, {
        kind: 'security.domain-violation',
        domain: spec.domain,
        account: 'nemo',
        payload: { ...violation },
        idempotencyKey: `domain-violation:${violation.workflowId}:${violation.runId}:${violation.activityType}`,
      });
    },
  );

  const bundle = process.env.NEMO_WORKFLOW_BUNDLE_DIR
    ? { workflowBundle: { codePath: path.join(process.env.NEMO_WORKFLOW_BUNDLE_DIR, `${spec.domain}.js`) } }
    : { workflowsPath: workflowsModule(spec.domain) };
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: TASK_QUEUES[spec.domain],
    activities,
    ...bundle,
    // Bounded so the workflow cache cannot exhaust the isolate's memory.
    maxCachedWorkflows: 200,
    identity: `nemo-${spec.domain}@${process.pid}`,
    ...options.overrides,
  });
  return {
    worker,
    ctx,
    async close() {
      await connection.close();
      await temporal.connection.close();
      await ledgerPool.end();
    },
  };
}

/** Entry point for a worker process: run until SIGINT/SIGTERM, then drain and exit. */
export async function runDomainWorkerProcess(spec: DomainWorkerSpec): Promise<void> {
  const config = loadConfig();
  const logger = domainLogger(spec.domain, config);
  Runtime.install({ logger: temporalLoggerFor(logger), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const { worker, ctx, close } = await createDomainWorker(spec, config, { logger });
  ctx.logger.info({ taskQueue: TASK_QUEUES[spec.domain] }, `${spec.domain} worker ready`);
  try {
    await worker.run();
  } finally {
    await close();
    ctx.logger.info(`${spec.domain} worker stopped`);
  }
}
