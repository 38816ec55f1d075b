import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client, type Connection } from '@temporalio/client';
import {
  adoptLegacyCheckpoint,
  appendEntry,
  bindLedgerKey,
  ledgerKeyOf,
  readCheckpoint,
  sealUnkeyedChain,
  verifyChain,
} from '../ledger/ledger-store';
import { ensureLedgerKey } from '../platform/ledger-key';
import { readStackDescription, stackFile, type StackDescription } from '../platform/stack-description';
import { writeStackSettings } from '../platform/stack-settings';
import { SYSTEM_ACCOUNT } from '../ledger/entry';
import { DOMAINS, TASK_QUEUES, type Domain } from '../policies/domains';
import type { NemoConfig } from '../platform/config';
import { migrate } from '../platform/postgres/migrations';
import { ensureNemoHome, nemoHome, type NemoHome } from '../platform/nemo-home';
import { enterSafeMode } from '../platform/safe-mode';
import { appPool, ensureDatabase, redactUrl } from '../platform/postgres/postgres';
import { ensurePostgres } from '../platform/postgres/postgres-bootstrap';
import { findPostgresBinaries, stopPrivateCluster } from '../platform/postgres/postgres-cluster';
import { ensureSchedules, nemoSchedules, triggerSchedules } from '../platform/temporal/schedules';
import { registerNemo } from '../platform/temporal/search-attributes';
import {
  clusterPersistence,
  clusterPortProblem,
  clusterPorts,
  ensureClusterBinaries,
  setupClusterSchema,
  startClusterServer,
  startClusterUi,
} from '../platform/temporal/temporal-cluster';
import { isPortOpen } from '../platform/ports';
import { scrub } from '../platform/secret-scrubber';
import { Supervisor, type ProcessStatus } from '../platform/supervisor';
import { ReleaseWorkers } from '../activities/upgrade/release-workers';
import { openIncidentFor } from '../activities/incidents/open-incident';
import { workerFailureTrigger } from '../policies/incident-triggers';
import { ensureTemporalCli } from '../platform/temporal/temporal-cli';
import { connectClient, nemoTemporalTarget, temporalAuth } from '../platform/temporal/temporal-connection';
import { startCodecServer, webUiOrigins } from '../platform/temporal/codec-server';
import { payloadCodecFor } from '../platform/temporal/payload-codec';
import { openVault, type Vault } from '../platform/vault/vault';
import { VaultSecretSource } from '../platform/vault/secret-source';
import {
  ALERT_CHANNELS,
  missingSettings,
  noWorkingChannel,
  probeAlertChannels,
  type AlertChannel,
  type ChannelProbe,
} from '../platform/alerts/alert-channels';
import { SecretCustodian } from '../platform/vault/custodian';
import { keyFileOf } from '../platform/vault/master-key';
import { SECRETS_FD } from '../platform/vault/secret-handover';
import { NO_SECRETS, SECRETS_FD_ENV } from '../platform/secrets';
import { sandboxAvailability, workerSandboxArgs } from '../platform/sandbox';
import { createKalshiKeyRevoker, kalshiBaseUrlFor } from '../activities/security/kalshi-key-revoker';
import { hasVenueKeys, simulatedApprovedMarkets, startSimulatedVenues } from './simulated-venues';
import { ensureTradingEntities, type TradingVenues } from '../platform/trading-entities';
import { STRATEGIES } from '../strategies/registry';
import { isServerAnswering, startDevServer, type DevServer } from '../platform/temporal/temporal-server';
import { bundleDomainWorkflows } from '../platform/temporal/workflow-bundles';
import { msToNumber, TypedSearchAttributes } from '@temporalio/common';
import { latestBacktestOf } from '../activities/research/backtest';
import { NemoDomain, NemoStrategy, NemoVenue } from '../contracts/search-attributes';
import { VENUES } from '../policies/orders';

/**
 * `nemo up`: everything NEMO needs, started in order, each step idempotent. The steps read as the checklist an
 * operator would follow by hand: Temporal, PostgreSQL, workflow code, the domain workers, the schedules.
 */

const ROOT = path.resolve(__dirname, '..');

export interface RunningStack {
  description: StackDescription;
  releases: ReleaseWorkers;
  client: Client;
  stop(): Promise<void>;
}

export class StackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackError';
  }
}

export interface StackOptions {
  say: (line: string) => void;
  /** Worker log lines at warn level or above are passed here. */
  onWorkerProblem?: (domain: string, line: string) => void;
  /** How long the workers may take to start polling. */
  readyTimeoutMs?: number;
  /** Run the production topology (`nemo up --cluster`): the Temporal server with PostgreSQL persistence, not the dev server. */
  cluster?: boolean;
}

async function ensureTemporal(
  config: NemoConfig,
  home: NemoHome,
  say: StackOptions['say'],
  codecEndpoint: string | undefined,
  cluster: { databaseUrl: string } | undefined,
): Promise<{ address: string; server?: DevServer }> {
  if (config.TEMPORAL_ADDRESS) {
    if (!(await isServerAnswering(config.TEMPORAL_ADDRESS, null, 5000, temporalAuth(config)))) {
      throw new StackError(
        `TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS} does not answer; start that server or unset TEMPORAL_ADDRESS to let NEMO run its own`,
      );
    }
    say(`Temporal: using the server at ${config.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS); starting none`);
    return { address: config.TEMPORAL_ADDRESS };
  }
  const address = `127.0.0.1:${config.TEMPORAL_PORT}`;
  if (await isServerAnswering(address, null, 1500)) {
    throw new StackError(
      `a Temporal server already answers on ${address} that NEMO did not start. Use it with TEMPORAL_ADDRESS=${address}, ` +
        `or give NEMO's own server another port with TEMPORAL_PORT and TEMPORAL_UI_PORT`,
    );
  }
  if (cluster) {
    const binaries = await ensureClusterBinaries((line) => say(`  ${line}`));
    const persistence = clusterPersistence(cluster.databaseUrl);
    const portProblem = clusterPortProblem(config.TEMPORAL_PORT);
    if (portProblem) throw new StackError(portProblem);
    const busy = [];
    for (const port of clusterPorts(config.TEMPORAL_PORT)) if (await isPortOpen(port)) busy.push(port);
    if (busy.length)
      throw new StackError(
        `the Temporal cluster needs ports ${clusterPorts(config.TEMPORAL_PORT).join(', ')} (from TEMPORAL_PORT=${config.TEMPORAL_PORT}); in use: ${busy.join(', ')}. Set TEMPORAL_PORT elsewhere`,
      );
    say(
      `Temporal: cluster ${binaries.server} (${binaries.source}); schema in ${persistence.host}:${persistence.port}/${persistence.database} and ${persistence.visibilityDatabase}`,
    );
    await setupClusterSchema(binaries, persistence, (line) => say(`  ${line}`));
    const server = await startClusterServer({
      binaries,
      persistence,
      frontendPort: config.TEMPORAL_PORT,
      logFile: path.join(home.logs, 'temporal-server.log'),
    });
    try {
      const ui = await startClusterUi({
        binaries,
        address,
        port: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        codecEndpoint,
        logFile: path.join(home.logs, 'temporal-ui.log'),
      });
      return {
        address,
        server: {
          ...server,
          uiUrl: ui.url,
          stop: async (signal) => {
            await ui.stop();
            await server.stop(signal);
          },
        },
      };
    } catch (err) {
      await server.stop();
      throw err;
    }
  }
  const cli = await ensureTemporalCli({ explicit: config.TEMPORAL_CLI, progress: (line) => say(`  ${line}`) });
  say(`Temporal: CLI ${cli.path} (${cli.source}); starting the dev server with its state in ${home.temporalDb}`);
  const server = await startDevServer({
    cli: cli.path,
    dbFile: home.temporalDb,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    logFile: path.join(home.logs, 'temporal-server.log'),
    codecEndpoint,
  });
  return { address, server };
}

async function waitForWorkers(
  client: Client,
  domains: readonly Domain[],
  timeoutMs: number,
  say: StackOptions['say'],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = new Set<Domain>();
  while (ready.size < domains.length) {
    for (const domain of domains) {
      if (ready.has(domain)) continue;
      const answer = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: TASK_QUEUES[domain], kind: 1 },
        taskQueueType: 1,
      });
      if ((answer.pollers?.length ?? 0) > 0) {
        ready.add(domain);
        say(`  ${domain} worker polling ${TASK_QUEUES[domain]} (${ready.size}/${domains.length})`);
      }
    }
    if (ready.size === domains.length) return;
    if (Date.now() > deadline) {
      throw new StackError(
        `workers not polling after ${timeoutMs / 1000}s: ${domains.filter((d) => !ready.has(d)).join(', ')}; see ${'NEMO_HOME/logs'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function startStack(config: NemoConfig, options: StackOptions): Promise<RunningStack> {
  const { say } = options;
  const home = ensureNemoHome(nemoHome(config.NEMO_HOME));
  const running = readStackDescription(home);
  if (running)
    throw new StackError(
      `NEMO is already running (pid ${running.pid}, since ${running.startedAt}); see \`nemo status\``,
    );

  const cleanups: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    // A vault that cannot be opened (a key file with loose permissions, a vault without its key) stops start-up here.
    const vault = openVault(config);
    const realVenues = hasVenueKeys(vault);
    if (realVenues && venuesWithKeys(vault!).live.length > 0) {
      const probes = await requireWorkingAlertChannel(vault, config);
      say(
        `Alerts: ${probes.map((p) => `${p.channel} ${p.status}${p.status === 'up' ? '' : ` (${p.detail})`}`).join(', ')}`,
      );
    }
    // With a vault master key, every Temporal payload is encrypted; the codec endpoint lets the Web UI show them.
    const codec = payloadCodecFor(config);
    const codecServer = codec
      ? await startCodecServer({ codec, allowedOrigins: webUiOrigins(config.TEMPORAL_UI_PORT) })
      : undefined;
    if (codecServer) cleanups.push(() => codecServer.close());
    // PostgreSQL first: the Temporal cluster (`--cluster`) keeps its state there too.
    const postgres = await ensurePostgres(config.DATABASE_URL, home.postgres, say);
    if (postgres.privateClusterDir) {
      const binaries = findPostgresBinaries()!;
      cleanups.push(() => stopPrivateCluster(binaries, postgres.privateClusterDir!));
    }
    const temporal = await ensureTemporal(
      config,
      home,
      say,
      codecServer?.url,
      options.cluster ? { databaseUrl: postgres.url } : undefined,
    );
    if (temporal.server) cleanups.push(() => temporal.server!.stop());
    const client = await connectClient({ ...nemoTemporalTarget(config), address: temporal.address });
    cleanups.push(() => client.connection.close());
    // The dev server creates the namespace and search attributes from flags; any other server gets them through the API.
    if (!temporal.server || options.cluster) {
      const registered = await registerNemo(
        client.connection as Connection,
        temporal.address,
        config.TEMPORAL_NAMESPACE,
      );
      say(
        `Temporal: namespace ${config.TEMPORAL_NAMESPACE} ${registered.namespaceRegistered ? 'registered' : 'present'}; search attributes ${registered.searchAttributesAdded.length ? `registered ${registered.searchAttributesAdded.join(', ')}` : 'present'}`,
      );
    }

    const created = await ensureDatabase(postgres.url);
    const applied = await migrate(postgres.url);
    say(
      `PostgreSQL: ${redactUrl(postgres.url)} (${created}); ${applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date'}`,
    );
    const ledgerPool = bindLedgerKey(appPool(postgres.url, 2), ensureLedgerKey(config));
    cleanups.push(() => ledgerPool.end());
    await verifyLedgerBeforeTrading(ledgerPool, home, say);

    const bundles = await bundleDomainWorkflows(path.join(home.run, 'bundles'), {
      progress: (line) => say(`  ${line}`),
    });

    // No venue keys in the vault: the loopback venues stand in for Kalshi and Coinbase, clearly labelled SIMULATED.
    // Alert channels the operator did not configure go to a loopback phone and mailbox, so every alert takes the
    // whole path (the real twilio and nodemailer clients) and `nemo alerts` shows what arrived.
    const simulated = realVenues
      ? undefined
      : await startSimulatedVenues(
          home,
          {
            seed: config.NEMO_SIM_SEED,
            kalshiMarkets: config.NEMO_SIM_KALSHI_MARKETS,
            alerts: unconfiguredChannels(vault, config),
          },
          say,
        );
    if (simulated) cleanups.push(() => simulated.stop());
    const tradingVenues = simulated ? { paper: [...VENUES], live: [...VENUES] } : venuesWithKeys(vault!);
    // SIMULATED mode approves the simulated markets unless the operator listed some (fake money only).
    const approvedMarkets =
      simulated && !config.NEMO_APPROVED_MARKETS
        ? simulatedApprovedMarkets(config.NEMO_COINBASE_PRODUCTS)
        : config.NEMO_APPROVED_MARKETS;
    const tradingConfig: NemoConfig = { ...config, NEMO_APPROVED_MARKETS: approvedMarkets };

    // One supervisor per running build (the release-worker manager below asks for them), all handled alike.
    const superviseWorkers = () => {
      const supervisor = new Supervisor({
        maxRestarts: config.NEMO_MAX_RESTARTS,
        restartDelayMs: msToNumber(config.NEMO_WORKER_RESTART_DELAY as '2s'),
        stableAfterMs: msToNumber(config.NEMO_WORKER_STABLE_AFTER as '10m'),
        onOutput: (name, line) => {
          if (/"level":(40|50|60)/.test(line) || !line.startsWith('{')) options.onWorkerProblem?.(name, scrub(line));
        },
      });
      supervisor.on('restart', (status, attempt) => {
        say(
          `worker ${status.name} exited (${describeExit(status)}); restart ${attempt} of ${config.NEMO_MAX_RESTARTS}`,
        );
        void recordWorkerEvent(ledgerPool, 'worker.restarted', status, { attempt }).catch(() => undefined);
      });
      supervisor.on('gave-up', (status, tail) => {
        say(
          `worker ${status.name} failed ${config.NEMO_MAX_RESTARTS + 1} times in a row; leaving it down. The other workers keep running; NEMO is in safe mode (monitoring only) until an operator clears it`,
        );
        enterSafeMode(home, `${status.name} worker failed after ${config.NEMO_MAX_RESTARTS} restarts`);
        const outputTail = scrub(tail.split('\n').slice(-20).join('\n'));
        void recordWorkerEvent(ledgerPool, 'incident.technical-failure', status, {
          restarts: config.NEMO_MAX_RESTARTS,
          outputTail,
          safeMode: true,
        }).catch((err) => say(`could not record the technical failure: ${(err as Error).message}`));
        // The technical-failure protocol (rollback, alert, safe mode until the operator resolves it) takes over.
        const exit = status.lastExit;
        void openIncidentFor(
          client,
          config,
          workerFailureTrigger({
            worker: status.name,
            restarts: config.NEMO_MAX_RESTARTS,
            exitCode: exit?.code ?? null,
            signal: exit?.signal ?? null,
            exitedAt: exit?.at ?? new Date().toISOString(),
            outputTail,
          }),
        ).catch((err) => say(`could not open the technical-failure incident: ${(err as Error).message}`));
      });
      return supervisor;
    };

    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NEMO_HOME: home.root,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      NEMO_WORKFLOW_BUNDLE_DIR: bundles,
      // Workers of a release run from NEMO_HOME/releases; upgrades are still cut from this repository.
      NEMO_UPGRADE_REPO: config.NEMO_UPGRADE_REPO,
      ...simulated?.env,
      NEMO_APPROVED_MARKETS: approvedMarkets,
    };
    // issue 18 A: this process is the only one that opens the vault. Each worker is handed its domain's entries and
    // the payload codec's keys on a descriptor, and runs in a mount namespace where the vault and key file are empty.
    const custodian = new SecretCustodian(config, workerEnv, createKalshiKeyRevoker(kalshiBaseUrlFor(config)));
    const handedEnv = { ...workerEnv };
    delete handedEnv.NEMO_VAULT_KEY;
    mkdirSync(home.vault, { recursive: true, mode: 0o700 });
    const sandbox = sandboxAvailability();
    if (!sandbox.ok) say(`Workers: not sandboxed (${sandbox.reason}); the vault stays readable to them by path`);
    const isolate = (domain: Domain) =>
      custodian.workerIsolation(
        domain,
        sandbox.ok
          ? workerSandboxArgs([home.vault, keyFileOf(config)], { nestsSandboxes: domain === 'upgrade' })
          : undefined,
      );
    // Each build's workers are a Worker Deployment version (docs/upgrades.md): the current release (or this checkout
    // before any release), plus earlier builds while workflows pinned to them finish.
    const releases = await ReleaseWorkers.start({
      home,
      client,
      domains: DOMAINS,
      tradingWorkers: config.NEMO_TRADING_WORKERS,
      env: { ...handedEnv, [SECRETS_FD_ENV]: String(SECRETS_FD) },
      isolate,
      checkout: { dir: ROOT, bundleDir: bundles },
      supervise: superviseWorkers,
      say,
    });
    cleanups.push(() => releases.stop());
    cleanups.push(custodian.watch(() => releases.handOverSecrets()));
    say(`Workers: starting one process per execution domain (build ${releases.startup.buildId})`);
    await waitForWorkers(client, DOMAINS, options.readyTimeoutMs ?? 120_000, say);
    await releases.makeStartupCurrent(options.readyTimeoutMs ?? 120_000);

    const schedules = nemoSchedules(config);
    const { created: newSchedules } = await ensureSchedules(client, schedules);
    await triggerSchedules(client, schedules);
    say(
      `Schedules: ${schedules.map((s) => `${s.scheduleId} every ${s.every}`).join(', ')}${newSchedules.length ? ` (created ${newSchedules.join(', ')})` : ''}; heartbeat, health check, incident watch and research scan run now`,
    );

    const entities = await ensureTradingEntities(client, tradingConfig, tradingVenues);
    say(
      `Trading: guardians and desks for paper ${tradingVenues.paper.join('+') || 'none'}, live ${tradingVenues.live.join('+') || 'none'}${entities.length ? ` (started ${entities.length})` : ''}`,
    );
    if (simulated) await proveStrategiesOnSyntheticData(client, ledgerPool, say);

    const description: StackDescription = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      temporalAddress: temporal.address,
      namespace: config.TEMPORAL_NAMESPACE,
      webUi: temporal.server?.uiUrl,
      database: redactUrl(postgres.url),
      ownsTemporalServer: Boolean(temporal.server),
      temporalServerPid: temporal.server?.process.pid,
      workers: [...DOMAINS],
      venues: simulated ? 'SIMULATED' : 'real',
      codecEndpoint: codecServer?.url,
    };
    writeFileSync(stackFile(home), `${JSON.stringify(description, null, 2)}\n`);
    cleanups.push(() => rmSync(stackFile(home), { force: true }));
    cleanups.push(
      writeStackSettings({
        pid: process.pid,
        env: {
          NEMO_HOME: home.root,
          DATABASE_URL: postgres.url,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
        },
      }),
    );

    return {
      description,
      releases,
      client,
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/**
 * Every start verifies the whole chain against the newest head published outside the database before any worker
 * runs: NEMO never trades on a ledger it cannot trust (fail secure). An unkeyed chain of an earlier version is sealed
 * by its first keyed entry here.
 */
async function verifyLedgerBeforeTrading(
  pool: ReturnType<typeof appPool>,
  home: NemoHome,
  say: StackOptions['say'],
): Promise<void> {
  adoptLegacyCheckpoint(home.legacyLedgerHead, home.ledgerCheckpoints);
  const checkpoint = readCheckpoint(home.ledgerCheckpoints);
  const sealed = await sealUnkeyedChain(pool, checkpoint);
  if (sealed) say(`Ledger: the unkeyed chain verified and was sealed by keyed entry ${sealed}`);
  const report = await verifyChain(pool, { key: ledgerKeyOf(pool), checkpoint });
  if (!report.ok) {
    const broken = report.firstBreak!;
    throw new StackError(
      `the ledger does not verify (entry ${broken.seq}, ${broken.reason}): ${broken.detail}. NEMO will not trade on it. ` +
        'Run `nemo ledger verify`, find how it changed (docs/security.md, "ledger rewritten"), and restore the latest backup whose manifest checkpoint matches',
    );
  }
  say(
    `Ledger: ${report.entries} entries verify${checkpoint ? ` against the head published ${checkpoint.publishedAt} (entry ${checkpoint.seq})` : ''}`,
  );
}

/**
 * seed: "Alert operator via SMS" on every breaker, and fail secure: live trading does not start unless a real alert
 * channel answered a probe just now. The error names the settings that are missing.
 */
export async function requireWorkingAlertChannel(
  vault: Vault | undefined,
  config: NemoConfig,
): Promise<ChannelProbe[]> {
  const probes = await probeAlertChannels(vault ? new VaultSecretSource(vault, 'control') : NO_SECRETS, config);
  if (!probes.some((p) => p.status === 'up'))
    throw new StackError(`live trading refused to start: ${noWorkingChannel(probes)}`);
  return probes;
}

/** The alert channels the operator has not configured (SIMULATED mode stands loopback ones in for them). */
function unconfiguredChannels(vault: Vault | undefined, config: NemoConfig): AlertChannel[] {
  const secrets = vault ? new VaultSecretSource(vault, 'control') : NO_SECRETS;
  return ALERT_CHANNELS.filter((channel) => missingSettings(channel, secrets, config).length > 0);
}

/** The venues each trading domain holds keys for: production keys for live, demo keys for paper. */
function venuesWithKeys(vault: Vault): TradingVenues {
  const names = new Set(
    vault
      .list()
      .filter((e) => !e.revokedAt)
      .map((e) => e.name),
  );
  return {
    live: VENUES.filter((v) => names.has(`${v}.production`)),
    paper: VENUES.filter((v) => names.has(`${v}.demo`)),
  };
}

/**
 * seed: "Trading without backtest proof" is forbidden. In SIMULATED mode, each shipped strategy is backtested once on
 * synthetic data so the paper desk has something to trade; with real venues the operator runs `nemo backtest`.
 */
async function proveStrategiesOnSyntheticData(
  client: Client,
  pool: ReturnType<typeof appPool>,
  say: StackOptions['say'],
): Promise<void> {
  for (const [strategyId, strategy] of Object.entries(STRATEGIES)) {
    // This version's earlier run is reported, not repeated: the same code on the same data gives the same result.
    const last = await latestBacktestOf(pool, strategyId, strategy.version);
    if (last?.kind === 'backtest.proof') {
      say(`  ${strategyId}: proven on synthetic data (ledger entry ${last.seq})`);
      continue;
    }
    if (last) {
      say(
        `  ${strategyId}: its synthetic backtest FAILED (ledger entry ${last.seq}: ${last.proofProblems.join('; ')}); it will not trade until a backtest passes (\`nemo backtest ${strategyId}\`)`,
      );
      continue;
    }
    try {
      await client.workflow.start('backtest', {
        taskQueue: TASK_QUEUES.research,
        workflowId: `backtest/${strategyId}/synthetic-initial`,
        args: [{ strategyId, data: { kind: 'synthetic', seed: 1 } }],
        typedSearchAttributes: new TypedSearchAttributes([
          { key: NemoDomain, value: 'research' },
          { key: NemoStrategy, value: strategyId },
          { key: NemoVenue, value: strategy.venue },
        ]),
      });
      say(`  backtesting ${strategyId} on synthetic data (SIMULATED mode) for its first proof`);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}

function describeExit(status: ProcessStatus): string {
  const exit = status.lastExit;
  return exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code}`;
}

async function recordWorkerEvent(
  pool: ReturnType<typeof appPool>,
  kind: string,
  status: ProcessStatus,
  extra: Record<string, string | number | boolean>,
) {
  await appendEntry(pool, {
    kind,
    domain: 'control',
    account: SYSTEM_ACCOUNT,
    payload: {
      worker: status.name,
      exitCode: status.lastExit?.code ?? null,
      signal: status.lastExit?.signal ?? null,
      exitedAt: status.lastExit?.at ?? null,
      ...extra,
    },
    idempotencyKey: `${kind}:${status.name}:${status.lastExit?.at}`,
  });
}
