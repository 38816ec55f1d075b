import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_LIMITS, LIMIT_BOUNDS } from '../policies/limits';
import { DEFAULT_PROOF_THRESHOLDS } from '../policies/proof';

/**
 * The one schema for NEMO's configuration. Values come from an optional JSON file (NEMO_CONFIG_FILE, else
 * $NEMO_HOME/config.json) overlaid by the environment; the keys are the environment variable names in both.
 * Every problem is reported with the variable's name, what is wrong with the value and the form expected.
 */

const checkoutRoot = path.resolve(__dirname, '..');
export const DEFAULT_NEMO_HOME = path.join(checkoutRoot, '.nemo');

const duration = (name: string, max?: string) =>
  z.string().refine(
    (value) => {
      try {
        const ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
        return ms > 0 && (max === undefined || ms <= msToNumber(max as Parameters<typeof msToNumber>[0]));
      } catch {
        return false;
      }
    },
    { message: `${name} must be a duration like 30s, 5m or 1h${max ? ` and at most ${max} (seed)` : ''}` },
  );

const port = z.coerce.number().int().min(1).max(65535);

/** An LLM for one analyst task: provider and model, e.g. anthropic:claude-opus-5-5 or kimi:kimi-k2.6. */
const llmModel = z
  .string()
  .regex(/^(anthropic|kimi):[\w.-]+$/, 'must be provider:model, e.g. anthropic:claude-opus-5-5 or kimi:kimi-k2.6');

/** A limit may only be tightened from the seed's value: the bound says which direction is tighter. */
const limit = (key: keyof typeof DEFAULT_LIMITS) => {
  const bound = LIMIT_BOUNDS[key];
  return z.coerce
    .number()
    .refine((v) => Number.isFinite(v) && v >= bound.min && v <= bound.max, {
      message: `may only tighten the seed's ${DEFAULT_LIMITS[key]}: expected a number in [${bound.min}, ${bound.max}]`,
    })
    .default(DEFAULT_LIMITS[key]);
};

export const configSchema = z.object({
  NEMO_HOME: z.string().min(1).default(DEFAULT_NEMO_HOME),
  NEMO_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  NEMO_OPERATOR: z
    .string()
    .min(1)
    .default(process.env.USER ?? 'operator'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL, e.g. postgres://127.0.0.1:5432/nemo')
    .default('postgres://127.0.0.1:5432/nemo'),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  // A cluster that wants client authentication (Temporal Cloud): mTLS (certificate and key files) or an API key
  // (a file, so the key is in no environment dump). `nemo doctor` validates them (platform/temporal/temporal-connection.ts).
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_API_KEY_FILE: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI: z.string().min(1).optional(),

  // seed: heartbeat every 5 minutes, API health checks every 15 minutes (more often is allowed, never less)
  NEMO_HEARTBEAT_EVERY: duration('NEMO_HEARTBEAT_EVERY', '5m').default('5m'),
  NEMO_HEALTH_CHECK_EVERY: duration('NEMO_HEALTH_CHECK_EVERY', '15m').default('15m'),
  // seed: automatic restart on failures, max 3 attempts
  NEMO_MAX_RESTARTS: z.coerce.number().int().min(0).max(3).default(3),
  NEMO_WORKER_RESTART_DELAY: duration('NEMO_WORKER_RESTART_DELAY').default('2s'),
  // A worker that stayed up this long has its restart count reset (the 3 restarts are "in a row"); a crash drill that
  // kills workers every few seconds on purpose (bench/crash-storm.ts) shortens it.
  NEMO_WORKER_STABLE_AFTER: duration('NEMO_WORKER_STABLE_AFTER').default('10m'),
  // Worker processes per trading domain (paper, live), all polling the same task queues: one can die mid-trade and the
  // others finish its trades. On several hosts, each host runs its own (docs/operations.md).
  NEMO_TRADING_WORKERS: z.coerce.number().int().min(1).max(4).default(1),

  // seed: hourly backups to external storage (point NEMO_BACKUP_DIR at it)
  NEMO_BACKUP_DIR: z.string().min(1).optional(),
  NEMO_BACKUP_EVERY: duration('NEMO_BACKUP_EVERY', '1h').default('1h'),
  NEMO_BACKUP_KEEP_HOURLY: z.coerce.number().int().min(1).default(24),
  NEMO_BACKUP_KEEP_DAILY: z.coerce.number().int().min(0).default(7),
  NEMO_BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).default(8),

  // Incident response and operations (docs/operations.md). The watch reads the ledger for incident triggers and
  // checks heartbeats; an incident's approval request is repeated when it expires unanswered; a technical failure
  // re-checks what failed after each retry delay (seed: max 3 attempts).
  NEMO_INCIDENT_WATCH_EVERY: duration('NEMO_INCIDENT_WATCH_EVERY', '15m').default('1m'),
  NEMO_INCIDENT_APPROVAL_TIMEOUT: duration('NEMO_INCIDENT_APPROVAL_TIMEOUT', '7d').default('24h'),
  NEMO_INCIDENT_RETRY_DELAY: duration('NEMO_INCIDENT_RETRY_DELAY', '5m').default('30s'),
  // seed: "Daily reconciliation with exchange records"; a difference counts once it is still there after the grace.
  NEMO_RECONCILE_EVERY: duration('NEMO_RECONCILE_EVERY', '24h').default('24h'),
  NEMO_RECONCILE_CONFIRM_AFTER: duration('NEMO_RECONCILE_CONFIRM_AFTER', '10m').default('30s'),
  // How often each running guardian's account is recorded for the reports' equity, drawdown and exposure charts.
  NEMO_SNAPSHOT_EVERY: duration('NEMO_SNAPSHOT_EVERY', '1h').default('15m'),

  NEMO_MAX_POSITION_FRACTION: limit('maxPositionFraction'),
  NEMO_MAX_POSITION_USD: limit('maxPositionUsd'),
  NEMO_MAX_EXPOSURE_FRACTION: limit('maxExposureFraction'),
  NEMO_MAX_DAILY_LOSS_FRACTION: limit('maxDailyLossFraction'),
  NEMO_MAX_TOTAL_LOSS_FRACTION: limit('maxTotalLossFraction'),
  NEMO_MIN_PROBABILITY: limit('minProbability'),
  NEMO_HOT_WALLET_MAX_USD: limit('hotWalletMaxUsd'),
  // seed: trade.market in APPROVED_MARKETS; nothing is approved until the operator lists it (platform/risk-config.ts)
  NEMO_APPROVED_MARKETS: z
    .string()
    .regex(
      /^((kalshi|coinbase):[A-Za-z0-9._-]+(-\*)?)?(\s*,\s*(kalshi|coinbase):[A-Za-z0-9._-]+(-\*)?)*$/,
      'must be venue:MARKET or kalshi:SERIES-* entries, comma-separated',
    )
    .default(''),
  // Research scans: venue reads per second (Kalshi's basic tier allows 20), markets per batch, batches at once.
  NEMO_SCAN_EVERY: duration('NEMO_SCAN_EVERY', '15m').default('15m'),
  NEMO_SCAN_READS_PER_SECOND: z.coerce.number().positive().max(400).default(10),
  NEMO_SCAN_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  NEMO_SCAN_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  // How often each portfolio guardian marks its account to market when no fill wakes it.
  NEMO_MARK_EVERY: duration('NEMO_MARK_EVERY', '5m').default('1m'),

  // Security and the operator channel (docs/security.md). The vault master key itself is read from NEMO_VAULT_KEY
  // or this file by platform/vault/master-key.ts, never through this schema, so it cannot appear in a config dump.
  NEMO_VAULT_KEY_FILE: z.string().min(1).optional(), // default $NEMO_HOME/vault/master.key
  // seed: rotate keys every 90 days (a shorter period is allowed, never a longer one)
  NEMO_KEY_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(90).default(90),
  NEMO_KEY_AGE_CHECK_EVERY: duration('NEMO_KEY_AGE_CHECK_EVERY', '24h').default('24h'),
  NEMO_OPERATOR_PHONE: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number, e.g. +15551234567')
    .optional(),
  NEMO_OPERATOR_EMAIL: z.email('must be an email address').optional(),
  // Where the Twilio SDK sends requests instead of api.twilio.com (the loopback fake in offline runs and tests).
  NEMO_TWILIO_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  // Repeated alerts (same dedupe key): at most this many are delivered per window; the rest are summarised.
  NEMO_ALERT_REPEAT_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
  NEMO_ALERT_REPEAT_WINDOW: duration('NEMO_ALERT_REPEAT_WINDOW', '1h').default('15m'),
  // The inbound SMS webhook runs in the control process when a port is set; the URL is what Twilio posts to.
  NEMO_APPROVAL_WEBHOOK_PORT: port.optional(),
  NEMO_APPROVAL_WEBHOOK_HOST: z.string().min(1).default('127.0.0.1'),
  NEMO_APPROVAL_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL Twilio posts to' })
    .optional(),
  // Kalshi trade-api v2 base URLs: the venue clients and key revocation (DELETE /api_keys/{id}) use them.
  NEMO_KALSHI_PRODUCTION_URL: z.url().default('https://external-api.kalshi.com/trade-api/v2'),
  NEMO_KALSHI_DEMO_URL: z.url().default('https://external-api.demo.kalshi.co/trade-api/v2'),
  // Coinbase Advanced Trade root URLs (the client appends /api/v3/brokerage); the demo default is Coinbase's sandbox.
  NEMO_COINBASE_PRODUCTION_URL: z.url().default('https://api.coinbase.com'),
  NEMO_COINBASE_DEMO_URL: z.url().default('https://api-sandbox.coinbase.com'),
  // The Coinbase products NEMO trades and scans, comma-separated.
  NEMO_COINBASE_PRODUCTS: z
    .string()
    .regex(/^[A-Z0-9]+-[A-Z]+(,[A-Z0-9]+-[A-Z]+)*$/, 'must be product ids like BTC-USD,ETH-USD')
    .default('BTC-USD,ETH-USD'),
  // Seed of the SIMULATED loopback venues (markets, prices, outcomes) when no venue keys are configured.
  NEMO_SIM_SEED: z.string().min(1).default('nemo'),
  // How many Kalshi markets the SIMULATED venue lists (a full scan of the default takes ~10 min at 10 reads/s).
  NEMO_SIM_KALSHI_MARKETS: z.coerce.number().int().min(50).max(100_000).default(5000),

  // Research (issue 6). Backtest proof thresholds may only be tightened (policies/proof.ts PROOF_THRESHOLD_BOUNDS).
  NEMO_PROOF_MIN_TRADES: z.coerce
    .number()
    .int()
    .min(DEFAULT_PROOF_THRESHOLDS.minTrades)
    .default(DEFAULT_PROOF_THRESHOLDS.minTrades),
  NEMO_PROOF_MAX_DRAWDOWN: z.coerce
    .number()
    .gt(0)
    .max(DEFAULT_PROOF_THRESHOLDS.maxDrawdown)
    .default(DEFAULT_PROOF_THRESHOLDS.maxDrawdown),
  NEMO_PROOF_MIN_EXPECTANCY_CENTS: z.coerce
    .number()
    .int()
    .min(DEFAULT_PROOF_THRESHOLDS.minExpectancyCents)
    .default(DEFAULT_PROOF_THRESHOLDS.minExpectancyCents),
  NEMO_BACKTEST_INITIAL_EQUITY_USD: z.coerce.number().positive().default(1000),
  NEMO_BACKTEST_SLIPPAGE_BPS: z.coerce.number().min(0).max(500).default(5),
  NEMO_BACKTEST_MAX_PARTICIPATION: z.coerce.number().gt(0).max(1).default(0.1),
  // The analyst's model per task, as provider:model. Estimates use Claude, or Kimi as the cheaper tier; screening
  // reviews are security-critical and use the strongest model (seed: Claude Opus for security-critical decisions).
  NEMO_LLM_MODEL_ESTIMATE: llmModel.default('anthropic:claude-sonnet-5-5'),
  NEMO_LLM_MODEL_ESTIMATE_CHEAP: llmModel.default('kimi:kimi-k2.6'),
  NEMO_LLM_MODEL_SCREEN: llmModel.default('anthropic:claude-opus-5-5'),
  NEMO_LLM_TIMEOUT: duration('NEMO_LLM_TIMEOUT', '5m').default('60s'),
  NEMO_LLM_DAILY_BUDGET_USD: z.coerce.number().min(0).default(5),
  // Below this share of the day's budget left, results say budgetLow so the workflow asks the operator for credit.
  NEMO_LLM_BUDGET_LOW_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
  // An analyst estimate whose own confidence is below this abstains (docs/decisions.md "Untrusted text can never buy").
  NEMO_ANALYST_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  // Hosts the research sources may fetch from (comma-separated; exact host names) and the sources themselves (JSON).
  NEMO_SOURCE_ALLOWLIST: z.string().default(''),
  NEMO_RESEARCH_SOURCES: z.string().default('[]'),

  // Self-upgrade (issue 8; docs/upgrades.md). The repository releases are cut from, the candidate's checks (run in its
  // worktree with a scrubbed environment), how long approvals wait and how long a new release is watched.
  NEMO_UPGRADE_REPO: z.string().min(1).default(checkoutRoot),
  NEMO_UPGRADE_TEST_COMMAND: z.string().min(1).default('npm test'),
  NEMO_UPGRADE_BACKTEST_COMMAND: z.string().min(1).default('node --import tsx scripts/backtest-strategies.ts'),
  NEMO_UPGRADE_CHECK_TIMEOUT: duration('NEMO_UPGRADE_CHECK_TIMEOUT', '2h').default('60m'),
  NEMO_UPGRADE_TEST_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL (a server for test databases, never the ledger)')
    .optional(),
  NEMO_UPGRADE_APPROVAL_TIMEOUT: duration('NEMO_UPGRADE_APPROVAL_TIMEOUT', '7d').default('24h'),
  NEMO_UPGRADE_HEALTH_WINDOW: duration('NEMO_UPGRADE_HEALTH_WINDOW', '1h').default('10m'),
  NEMO_UPGRADE_HEALTH_INTERVAL: duration('NEMO_UPGRADE_HEALTH_INTERVAL', '10m').default('30s'),
  NEMO_UPGRADE_DEPLOY_TIMEOUT: duration('NEMO_UPGRADE_DEPLOY_TIMEOUT', '30m').default('3m'),
  NEMO_UPGRADE_KEEP_WARM: duration('NEMO_UPGRADE_KEEP_WARM', '7d').default('30m'),
});

export type NemoConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`NEMO configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readConfigFile(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const explicit = env.NEMO_CONFIG_FILE;
  const file = explicit ?? path.join(env.NEMO_HOME ?? path.join(checkoutRoot, '.nemo'), 'config.json');
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError([`NEMO_CONFIG_FILE: ${file} does not exist`]);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('expected a JSON object whose keys are NEMO variable names');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([`${file}: ${(err as Error).message}`]);
  }
}

/** Reads and checks the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NemoConfig {
  const fromFile = readConfigFile(env);
  const known = Object.keys(configSchema.shape);
  const fromEnv = Object.fromEntries(
    known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  );
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const raw = (fromEnv as Record<string, unknown>)[name] ?? fromFile[name];
        return `${name}=${JSON.stringify(raw)}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}
