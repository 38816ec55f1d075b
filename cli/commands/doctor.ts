import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type NemoConfig } from '../../platform/config';
import { readMigrations } from '../../platform/postgres/migrations';
import { ownerClient, probeServer, redactUrl } from '../../platform/postgres/postgres';
import { findPostgresBinaries } from '../../platform/postgres/postgres-cluster';
import { isPortOpen } from '../../platform/ports';
import { sandboxAvailability } from '../../platform/sandbox';
import { cliCacheDir, TEMPORAL_CLI_VERSION } from '../../platform/temporal/temporal-cli';
import { isServerAnswering } from '../../platform/temporal/temporal-server';
import { noWorkingChannel, probeAlertChannels } from '../../platform/alerts/alert-channels';
import { nemoHome } from '../../platform/nemo-home';
import { NO_SECRETS } from '../../platform/secrets';
import { hasVenueKeys, simulatedVenuesFile } from '../../workers/simulated-venues';
import { loadDomainSecrets, VaultSecretSource } from '../../platform/vault/secret-source';
import { openVault, type Vault } from '../../platform/vault/vault';
import { temporalAuth, temporalAuthProblems } from '../../platform/temporal/temporal-connection';
import type { Command } from '../command';
import type { VenueDescription } from '../../platform/venue-description';
import { readStackDescription } from '../../platform/stack-description';

type Verdict = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();

function nodeCheck(): Check {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const ok = major > 20 || (major === 20 && minor >= 3);
  return {
    name: 'Node.js',
    verdict: ok ? 'ok' : 'fail',
    detail: process.versions.node,
    fix: ok ? undefined : 'install Node.js 20.3 or newer',
  };
}

function packagesCheck(): Check {
  const ok = existsSync(path.join(ROOT, 'node_modules', '.package-lock.json'));
  return {
    name: 'npm packages',
    verdict: ok ? 'ok' : 'fail',
    detail: ok ? 'installed' : 'missing',
    fix: ok ? undefined : 'run `npm ci` (npm start and npm test do it for you)',
  };
}

function homeCheck(config: NemoConfig): Check {
  try {
    mkdirSync(config.NEMO_HOME, { recursive: true });
    accessSync(config.NEMO_HOME, constants.W_OK);
    return { name: 'NEMO_HOME', verdict: 'ok', detail: config.NEMO_HOME };
  } catch (err) {
    return {
      name: 'NEMO_HOME',
      verdict: 'fail',
      detail: (err as Error).message,
      fix: 'set NEMO_HOME to a writable directory',
    };
  }
}

function temporalCliCheck(config: NemoConfig): Check[] {
  const goVersion = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout?.trim();
  const cached = path.join(cliCacheDir(), 'temporal');
  const found = config.TEMPORAL_CLI ?? (which('temporal') || (existsSync(cached) ? cached : undefined));
  const checks: Check[] = [];
  if (found) checks.push({ name: 'temporal CLI', verdict: 'ok', detail: found });
  else if (config.TEMPORAL_ADDRESS)
    checks.push({ name: 'temporal CLI', verdict: 'ok', detail: 'not needed: TEMPORAL_ADDRESS is set' });
  else if (goVersion)
    checks.push({
      name: 'temporal CLI',
      verdict: 'warn',
      detail: `not built yet; the first start builds ${TEMPORAL_CLI_VERSION} with ${goVersion} (a few minutes) into ${cached}`,
    });
  else
    checks.push({
      name: 'temporal CLI',
      verdict: 'fail',
      detail: 'no temporal CLI and no Go to build one',
      fix: 'install Go 1.25+ (https://go.dev/dl/), or put `temporal` on PATH, or set TEMPORAL_ADDRESS',
    });
  checks.push({
    name: 'Go',
    verdict: goVersion ? 'ok' : 'warn',
    detail: goVersion || 'not installed (needed only to build the temporal CLI)',
  });
  return checks;
}

async function temporalServerCheck(config: NemoConfig): Promise<Check[]> {
  if (config.TEMPORAL_ADDRESS) {
    const problems = temporalAuthProblems(config);
    if (problems.length) {
      return [
        {
          name: 'Temporal client auth',
          verdict: 'fail',
          detail: problems.join('; '),
          fix: 'see README "Outgrowing one machine" (Temporal Cloud: address, namespace, mTLS or API key)',
        },
      ];
    }
    const authChecks: Check[] =
      config.TEMPORAL_TLS_CERT || config.TEMPORAL_API_KEY_FILE
        ? [
            {
              name: 'Temporal client auth',
              verdict: 'ok',
              detail: config.TEMPORAL_TLS_CERT
                ? `mTLS with ${config.TEMPORAL_TLS_CERT}`
                : `API key from ${config.TEMPORAL_API_KEY_FILE}`,
            },
          ]
        : [];
    const up = await isServerAnswering(config.TEMPORAL_ADDRESS, null, 3000, temporalAuth(config));
    return [
      ...authChecks,
      {
        name: 'Temporal server',
        verdict: up ? 'ok' : 'fail',
        detail: `${config.TEMPORAL_ADDRESS} ${up ? 'answers' : 'does not answer'}`,
        fix: up ? undefined : 'start that server, or unset TEMPORAL_ADDRESS so NEMO runs its own',
      },
    ];
  }
  const checks: Check[] = [];
  for (const [name, port] of [
    ['Temporal port', config.TEMPORAL_PORT],
    ['Web UI port', config.TEMPORAL_UI_PORT],
  ] as const) {
    const busy = await isPortOpen(port);
    checks.push({
      name,
      verdict: busy ? 'warn' : 'ok',
      detail: `${port} ${busy ? 'in use (fine if NEMO is running; otherwise another program holds it)' : 'free'}`,
      fix: busy
        ? `set ${name === 'Web UI port' ? 'TEMPORAL_UI_PORT' : 'TEMPORAL_PORT'} to a free port if this is not NEMO`
        : undefined,
    });
  }
  return checks;
}

async function postgresCheck(config: NemoConfig): Promise<Check[]> {
  const probe = await probeServer(config.DATABASE_URL);
  if (!probe.ok) {
    const binaries = findPostgresBinaries();
    return [
      {
        name: 'PostgreSQL',
        verdict: binaries ? 'warn' : 'fail',
        detail: `${redactUrl(config.DATABASE_URL)} unreachable (${probe.error})${binaries ? `; NEMO will start a private cluster with ${binaries.binDir}` : ''}`,
        fix: binaries
          ? undefined
          : 'set DATABASE_URL to a running server, `docker compose up -d postgres`, or install PostgreSQL',
      },
    ];
  }
  const checks: Check[] = [
    {
      name: 'PostgreSQL',
      verdict: 'ok',
      detail: `${redactUrl(config.DATABASE_URL)} reachable (${probe.latencyMs.toFixed(1)} ms)`,
    },
  ];
  const client = ownerClient(config.DATABASE_URL);
  try {
    await client.connect();
    const { rows } = await client
      .query<{ version: number }>('SELECT version FROM schema_migrations')
      .catch(() => ({ rows: [] as { version: number }[] }));
    const pending = readMigrations().filter((m) => !rows.some((r) => r.version === m.version));
    checks.push({
      name: 'Migrations',
      verdict: pending.length ? 'warn' : 'ok',
      detail: pending.length ? `${pending.length} pending (applied at start)` : 'up to date',
    });
  } catch {
    checks.push({ name: 'Database', verdict: 'warn', detail: 'does not exist yet (created at start)' });
  } finally {
    await client.end().catch(() => undefined);
  }
  return checks;
}

/**
 * Whether an alert would reach the operator now: each configured channel is probed (the running SIMULATED stack's
 * loopback phone and mailbox, else the vault's twilio and smtp). None working fails, except before a SIMULATED
 * start, which brings its own loopback channels.
 */
async function alertChannelsCheck(config: NemoConfig, env: NodeJS.ProcessEnv): Promise<Check> {
  const home = nemoHome(config.NEMO_HOME);
  const name = 'alert channels';
  let vault: Vault | undefined;
  try {
    vault = openVault(config, env);
  } catch (err) {
    return {
      name,
      verdict: 'fail',
      detail: `the vault cannot be opened: ${(err as Error).message}`,
      fix: 'see docs/security.md (the vault and its master key)',
    };
  }
  const running = readStackDescription(home);
  const loopback = running?.venues === 'SIMULATED' && existsSync(simulatedVenuesFile(home));
  const probes = loopback
    ? await probeAlertChannels(
        loadDomainSecrets(config, 'control', { ...env, NEMO_SIMULATED_VENUES: simulatedVenuesFile(home) }),
        {
          ...config,
          ...(JSON.parse(readFileSync(simulatedVenuesFile(home), 'utf8')) as VenueDescription).alerts.config,
        },
      )
    : await probeAlertChannels(vault ? new VaultSecretSource(vault, 'control') : NO_SECRETS, config);
  const detail = probes.map((p) => `${p.channel} ${p.status}: ${p.detail}`).join('; ');
  if (probes.some((p) => p.status === 'up'))
    return { name, verdict: 'ok', detail: `${loopback ? 'SIMULATED loopback; ' : ''}${detail}` };
  if (!running && !hasVenueKeys(vault) && probes.every((p) => p.status === 'not-configured')) {
    return {
      name,
      verdict: 'ok',
      detail:
        'none configured; SIMULATED mode: `nemo up` routes alerts to a loopback phone and mailbox (`nemo alerts`)',
    };
  }
  return {
    name,
    verdict: 'fail',
    detail: noWorkingChannel(probes),
    fix: 'configure a channel (docs/security.md, Operator alerts); live trading refuses to start without one',
  };
}

/** issue 18: the worker and candidate sandboxes need Linux namespaces through bubblewrap. */
function sandboxCheck(): Check {
  const sandbox = sandboxAvailability();
  if (sandbox.ok)
    return {
      name: 'sandbox',
      verdict: 'ok',
      detail: 'bubblewrap namespaces: workers cannot see the vault; upgrade candidates run isolated',
    };
  return {
    name: 'sandbox',
    verdict: 'warn',
    detail: `${sandbox.reason}: workers can read the vault by path, and upgrade candidates' code does not run unless the operator allows unsandboxed checks for that proposal`,
    fix: 'on Debian/Ubuntu: apt-get install bubblewrap (npm start does it as root); see docs/security.md',
  };
}

function optionalToolsCheck(): Check[] {
  const docker = which('docker');
  return [
    {
      name: 'docker client',
      verdict: docker ? 'ok' : 'warn',
      detail: docker ? `${docker} (for docker-compose.yml)` : 'not installed (only needed for docker compose)',
    },
  ];
}

export async function runDoctor(env: NodeJS.ProcessEnv): Promise<Check[]> {
  const checks: Check[] = [nodeCheck(), packagesCheck()];
  let config: NemoConfig;
  try {
    config = loadConfig(env);
    checks.push({ name: 'configuration', verdict: 'ok', detail: 'valid' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    checks.push({
      name: 'configuration',
      verdict: 'fail',
      detail: err.problems.join('; '),
      fix: 'correct the named variables (see .env.example)',
    });
    return checks;
  }
  checks.push(
    homeCheck(config),
    ...temporalCliCheck(config),
    ...(await temporalServerCheck(config)),
    ...(await postgresCheck(config)),
    await alertChannelsCheck(config, env),
    sandboxCheck(),
    ...optionalToolsCheck(),
  );
  return checks;
}

const MARK: Record<Verdict, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export const doctorCommand: Command = {
  name: 'doctor',
  usage: 'doctor [--json]',
  summary: 'Check every prerequisite and say how to fix each problem',
  async run({ values, io, env }) {
    const checks = await runDoctor(env);
    if (values.json) io.out(JSON.stringify(checks, null, 2));
    else {
      for (const c of checks) {
        io.out(`${MARK[c.verdict]}  ${c.name.padEnd(16)} ${c.detail}`);
        if (c.fix) io.out(`      fix: ${c.fix}`);
      }
    }
    return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
  },
};
