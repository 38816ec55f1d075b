import path from 'node:path';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { controlActivities } from '../../activities/control-domain';
import { coreHealthProbes, createHealthActivities } from '../../activities/operations/health';
import { liveActivities } from '../../activities/live-domain';
import { paperActivities } from '../../activities/paper-domain';
import { runCli } from '../../cli/nemo';
import type { NemoConfig } from '../../platform/config';
import type { SecretSource } from '../../platform/secrets';
import { riskPolicyFrom } from '../../platform/risk-config';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { createKeyFile } from '../../platform/vault/master-key';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import type { TradingDomain } from '../../policies/limits';
import type { Venue } from '../../policies/orders';
import { guardianStatusQuery, guardianWorkflowId, type GuardianStatus } from '../../contracts/guardian';
import type { TradeOutcome, TradeRequest } from '../../workflows/trading/trade';
import { startTestVenues } from './loopback-venues';
import { atFileEnd, testAppPool, testConfig } from './stack';
import { startDomainWorkers } from './workers';
import { until } from './until';
import type { HealthProbe } from '../../platform/health-probe';

/**
 * The stack the incident and operations tests run on: loopback venues, the real control, live (and paper) workers,
 * running portfolio guardians, and the `nemo` CLI as the operator uses it. With `vault`, the live venue keys are also
 * in a real vault, so a security breach can revoke them there and at the venue.
 */
export interface OpsStack {
  config: NemoConfig;
  client: Client;
  pool: pg.Pool;
  venues: Awaited<ReturnType<typeof startTestVenues>>;
  output: string[];
  cli(...argv: string[]): Promise<number>;
  status(domain: TradingDomain, venue: Venue): Promise<GuardianStatus>;
}

export async function startOpsStack(options: {
  guardians: { domain: TradingDomain; venue: Venue }[];
  vault?: boolean;
  /** Extra health probes (e.g. of a loopback venue) beside Temporal and PostgreSQL. */
  probes?: (venues: OpsStack['venues']) => HealthProbe[];
  env?: Record<string, string>;
  /** Control-domain credentials beside the read-only venue keys (e.g. `smtp`). */
  controlSecrets?: Record<string, string>;
}): Promise<OpsStack> {
  const venues = await startTestVenues({ kalshiMarkets: 40 });
  const config = await testConfig({
    ...venues.config,
    NEMO_OPERATOR: 'alice',
    NEMO_INCIDENT_APPROVAL_TIMEOUT: '10m',
    NEMO_INCIDENT_RETRY_DELAY: '1s',
    ...options.env,
  });
  const client = await connectClient(nemoTemporalTarget(config, {}));
  atFileEnd(() => client.connection.close());
  const probes = options.probes?.(venues) ?? [];
  const domains = new Set(options.guardians.map((g) => g.domain));
  await startDomainWorkers(config, [
    {
      domain: 'control',
      activities: (ctx) => ({
        ...controlActivities(ctx),
        ...createHealthActivities(() => [...coreHealthProbes(ctx), ...probes]),
      }),
      secrets: withSecrets(venues.secretsFor('control'), options.controlSecrets ?? {}),
    },
    ...(domains.has('live')
      ? [{ domain: 'live' as const, activities: liveActivities, secrets: venues.secretsFor('live') }]
      : []),
    ...(domains.has('paper')
      ? [{ domain: 'paper' as const, activities: paperActivities, secrets: venues.secretsFor('paper') }]
      : []),
  ]);
  const status = (domain: TradingDomain, venue: Venue) =>
    client.workflow.getHandle(guardianWorkflowId(domain, venue)).query(guardianStatusQuery);
  for (const { domain, venue } of options.guardians) {
    await client.workflow.start(`${domain}PortfolioGuardian`, {
      taskQueue: TASK_QUEUES[domain],
      workflowId: guardianWorkflowId(domain, venue),
      args: [{ domain, venue, policy: riskPolicyFrom(config), markEvery: '2s' }],
    });
    await until(
      async () => ((await status(domain, venue).catch(() => undefined))?.lastMarkAt ? true : undefined),
      `the ${domain} ${venue} guardian to mark its account`,
    );
  }
  if (options.vault) {
    // Added once the workers and this client run without payload encryption, so histories stay plain for the replay
    // fixtures (the payload codec has its own tests); the CLI is pointed away from the key for the same reason.
    createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
    const vault = openVault(config, {})!;
    for (const name of ['kalshi.production', 'kalshi.readonly'] as const) vault.add(name, venues.credentials[name]!);
  }
  const output: string[] = [];
  const io = { out: (line: string) => output.push(line), err: (line: string) => output.push(line) };
  const cliEnv = {
    ...process.env,
    NEMO_HOME: config.NEMO_HOME,
    DATABASE_URL: config.DATABASE_URL,
    NEMO_OPERATOR: 'alice',
    ...(options.vault ? { NEMO_VAULT_KEY_FILE: path.join(config.NEMO_HOME, 'no-codec-for-this-cli.key') } : {}),
  };
  return {
    config,
    client,
    pool: testAppPool(config.DATABASE_URL),
    venues,
    output,
    cli: (...argv) => runCli(argv, io, cliEnv),
    status,
  };
}

function withSecrets(base: SecretSource, extra: Record<string, string>): SecretSource {
  return {
    get: (entry) => (Object.hasOwn(extra, entry) ? extra[entry] : base.get(entry)),
    names: () => [...base.names(), ...Object.keys(extra)],
  };
}

/** Open approved Kalshi markets of `series` priced mid-range. */
export async function midRangeMarkets(stack: OpsStack, series: string): Promise<string[]> {
  return (await stack.venues.portsFor('live').kalshi!.listMarkets({ status: 'open', limit: 40 }))
    .filter((m) => m.market.startsWith(`${series}-`) && Number(m.bestAsk ?? 1) > 0.3 && Number(m.bestAsk ?? 1) < 0.7)
    .map((m) => m.market);
}

/** A live trade through the real liveTrade workflow: YES at the best ask for about `dollars`, immediate-or-cancel. */
export async function buyYesLive(
  stack: OpsStack,
  workflowId: string,
  strategyId: string,
  market: string,
  dollars: number,
): Promise<TradeOutcome> {
  const ask = (await stack.venues.portsFor('live').kalshi!.getOrderBook(market, 1)).asks[0]!.price;
  const request: TradeRequest = {
    strategyId,
    strategyVersion: 'v1',
    probability: 0.86,
    rationale: 'test',
    referencePrice: ask,
    timeInForce: 'ioc',
    fillDeadline: '30s',
    approvalTimeout: '2m',
    order: {
      venue: 'kalshi',
      market,
      action: 'buy',
      side: 'yes',
      count: String(Math.max(1, Math.floor(dollars / Number(ask)))),
      price: ask,
    },
  };
  return (await stack.client.workflow.execute('liveTrade', {
    taskQueue: TASK_QUEUES.live,
    workflowId,
    args: [request],
  })) as TradeOutcome;
}
