import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { openIncidentFor } from '../activities/incidents/open-incident';
import { createLedgerActivities } from '../activities/operations/ledger';
import { guardActivities } from '../activities/domain-guard';
import { workerVersioning } from '../activities/upgrade/worker-versioning';
import { parseLedgerKey } from '../ledger/hash-chain';
import { SYSTEM_ACCOUNT } from '../ledger/entry';
import { appendEntry, bindLedgerKey } from '../ledger/ledger-store';
import { LEDGER_KEY_ENTRY } from '../platform/ledger-key';
import { loadConfig, type NemoConfig } from '../platform/config';
import { createLogger, temporalLoggerFor, type Logger } from '../platform/logger';
import { nemoHome } from '../platform/nemo-home';
import { keyringCodec } from '../platform/temporal/payload-codec';
import { UndecodablePayloadWatch } from '../platform/undecodable-payloads';
import { workerIdentity } from '../platform/worker-liveness';
import { appPool } from '../platform/postgres/postgres';
import type { SecretSource } from '../platform/secrets';
import { connectClient, nemoTemporalTarget } from '../platform/temporal/temporal-connection';
import { workflowsModule } from '../platform/temporal/workflow-bundles';
import { loadDomainSecrets } from '../platform/vault/secret-source';
import { HandedSecrets, secretsAreHanded } from '../platform/vault/secret-handover';
import { registrationProblems, TASK_QUEUES, type Domain } from '../policies/domains';
import { undecodablePayloadTrigger } from '../policies/incident-triggers';
import type { WorkerContext } from '../platform/worker-context';

type Activities = Record<string, (...args: never[]) => Promise<unknown>>;

export interface DomainWorkerSpec {
  domain: Domain;
  /** The domain's own activities (the ledger append is added for every domain). */
  activities: (ctx: WorkerContext) => Activities | Promise<Activities>;
  /** Servers the domain's process runs beside its worker (e.g. the control domain's SMS webhook); closed on exit. */
  services?: (ctx: WorkerContext) => Promise<{ close(): Promise<void> }>;
}

/** What a domain's worker registers: the ledger appends every worker hosts (for its own domain), then its own. */
export async function domainActivities(spec: DomainWorkerSpec, ctx: WorkerContext): Promise<Activities> {
  return { ...createLedgerActivities(ctx.ledgerPool, spec.domain), ...(await spec.activities(ctx)) };
}

/**
 * The worker settings every domain runs with (and bench/trade-path.ts's floor worker, so the floor is measured under
 * the same ones). Bounded so the workflow cache cannot exhaust the isolate's memory.
 *
 * Workflow task slots as many as cached workflows (the SDK's default is 40): a trade holds its workflow task (and
 * its slot) while its local activity waits for the guardian's update, and the guardian's own task needs a slot of
 * the same worker. With 40 slots, 40 trades waiting on the guardian starved it until their local activities timed
 * out (50 trades at once: acks of 11 s p50). See docs/decisions.md for the figures.
 */
export const WORKER_TUNING = {
  maxCachedWorkflows: 200,
  maxConcurrentWorkflowTaskExecutions: 200,
} as const satisfies Partial<WorkerOptions>;

function domainLogger(domain: Domain, config: NemoConfig): Logger {
  return createLogger({
    name: `worker-${domain}`,
    level: config.NEMO_LOG_LEVEL,
    logDir: nemoHome(config.NEMO_HOME).logs,
  });
}

/**
 * Builds one execution domain's worker: its own task queue, only its own workflows and activities, every activity
 * guarded by the domain matrix, logs bridged to pino.
 */
export async function createDomainWorker(
  spec: DomainWorkerSpec,
  config: NemoConfig,
  options: { logger?: Logger; handed?: HandedSecrets; secrets?: SecretSource; overrides?: Partial<WorkerOptions> } = {},
): Promise<{ worker: Worker; ctx: WorkerContext; close: () => Promise<void> }> {
  const home = nemoHome(config.NEMO_HOME);
  const logger = options.logger ?? domainLogger(spec.domain, config);
  // Payloads are encrypted whenever a vault master key exists; the worker holds only its own domain's credentials.
  // Under `nemo up` both come from the supervisor: the worker never reads the vault or the master key itself.
  const { handed } = options;
  const target = handed ? nemoTemporalTarget(config, process.env, handed.codec) : nemoTemporalTarget(config);
  const secrets = handed ?? options.secrets ?? loadDomainSecrets(config, spec.domain);
  // The ledger key comes with the domain's other vault entries; every append this worker makes is chained with it.
  const ledgerPool = bindLedgerKey(
    appPool(config.DATABASE_URL),
    parseLedgerKey(secrets.get(LEDGER_KEY_ENTRY), `the ${spec.domain} worker's vault scope`),
  );
  const temporal = await connectClient(target);
  const connection = await NativeConnection.connect({ address: target.address, ...target.auth });
  const ctx: WorkerContext = {
    domain: spec.domain,
    config,
    home,
    logger,
    ledgerPool,
    temporal,
    secrets,
    ...(handed ? { vaultKeeper: handed.keeper() } : {}),
  };

  const registered = await domainActivities(spec, ctx);
  const problems = registrationProblems(spec.domain, Object.keys(registered));
  if (problems.length > 0) {
    await Promise.all([connection.close(), temporal.connection.close(), ledgerPool.end()]);
    throw new Error(
      `the ${spec.domain} worker's activities disagree with its manifest (policies/domains/${spec.domain}.ts): ${problems.join('; ')}`,
    );
  }
  const activities = guardActivities(spec.domain, registered, async (violation) => {
    logger.error({ violation }, 'domain violation refused');
    await appendEntry(ledgerPool, {
      kind: 'security.domain-violation',
      domain: spec.domain,
      account: 'nemo',
      payload: { ...violation },
      idempotencyKey: `domain-violation:${violation.workflowId}:${violation.runId}:${violation.activityType}`,
    });
  });

  const bundle = process.env.NEMO_WORKFLOW_BUNDLE_DIR
    ? { workflowBundle: { codePath: path.join(process.env.NEMO_WORKFLOW_BUNDLE_DIR, `${spec.domain}.js`) } }
    : { workflowsPath: workflowsModule(spec.domain) };
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: TASK_QUEUES[spec.domain],
    activities,
    ...bundle,
    // A build id from `nemo up` makes this worker a version of the `nemo` Worker Deployment; none: unversioned.
    ...workerVersioning(),
    dataConverter: { payloadCodecs: [undecodableWatch(ctx, target.payloadCodec ?? keyringCodec(config))] },
    ...WORKER_TUNING,
    identity: workerIdentity(process.env.NEMO_WORKER_NAME ?? spec.domain, process.pid),
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

/**
 * The worker's codec, watched: a payload it cannot decrypt is recorded in the ledger and opens a technical-failure
 * incident (alert, safe mode) instead of failing its workflow task silently until a restart. The workflow task
 * itself keeps failing and being retried by Temporal: it goes on if the worker is handed the key.
 */
function undecodableWatch(ctx: WorkerContext, codec: PayloadCodec): UndecodablePayloadWatch {
  return new UndecodablePayloadWatch(codec, async ({ workflowId, error }) => {
    const at = new Date().toISOString();
    ctx.logger.error(
      { workflowId, error },
      'a payload this worker cannot decode: opening a technical-failure incident',
    );
    await appendEntry(ctx.ledgerPool, {
      kind: 'worker.payload-undecodable',
      domain: ctx.domain,
      account: SYSTEM_ACCOUNT,
      payload: { workflowId, error, worker: process.env.NEMO_WORKER_NAME ?? ctx.domain },
      idempotencyKey: `payload-undecodable:${ctx.domain}:${workflowId}`,
    });
    await openIncidentFor(
      ctx.temporal,
      ctx.config,
      undecodablePayloadTrigger({ domain: ctx.domain, workflowId, error, at }),
    );
  });
}

/** Entry point for a worker process: run until SIGINT/SIGTERM, then drain and exit. */
export async function runDomainWorkerProcess(spec: DomainWorkerSpec): Promise<void> {
  const config = loadConfig();
  const logger = domainLogger(spec.domain, config);
  Runtime.install({ logger: temporalLoggerFor(logger), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const handed = secretsAreHanded() ? await HandedSecrets.receive(spec.domain) : undefined;
  const { worker, ctx, close } = await createDomainWorker(spec, config, { logger, handed });
  const services = await spec.services?.(ctx);
  // Entry names only: which credentials this process holds, never their values.
  ctx.logger.info(
    { taskQueue: TASK_QUEUES[spec.domain], vaultEntries: ctx.secrets.names() },
    `${spec.domain} worker ready`,
  );
  try {
    await worker.run();
  } finally {
    await services?.close();
    await close();
    ctx.logger.info(`${spec.domain} worker stopped`);
  }
}
