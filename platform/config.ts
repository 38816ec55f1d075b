import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { msToNumber } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_LIMITS, LIMIT_BOUNDS } from '../policies/limits';

/**
 * The one schema for NEMO's configuration. Values come from an optional JSON file (NEMO_CONFIG_FILE, else
 * $NEMO_HOME/config.json) overlaid by the environment; the keys are the environment variable names in both.
 * Every problem is reported with the variable's name, what is wrong with the value and the form expected.
 */

const checkoutRoot = path.resolve(__dirname, '..');

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
  NEMO_HOME: z.string().min(1).default(path.join(checkoutRoot, '.nemo')),
  NEMO_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  NEMO_OPERATOR: z.string().min(1).default(process.env.USER ?? 'operator'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL, e.g. postgres://127.0.0.1:5432/nemo')
    .default('postgres://127.0.0.1:5432/nemo'),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI: z.string().min(1).optional(),

  // seed: heartbeat every 5 minutes, API health checks every 15 minutes (more often is allowed, never less)
  NEMO_HEARTBEAT_EVERY: duration('NEMO_HEARTBEAT_EVERY', '5m').default('5m'),
  NEMO_HEALTH_CHECK_EVERY: duration('NEMO_HEALTH_CHECK_EVERY', '15m').default('15m'),
  // seed: automatic restart on failures, max 3 attempts
  NEMO_MAX_RESTARTS: z.coerce.number().int().min(0).max(3).default(3),
  NEMO_WORKER_RESTART_DELAY: duration('NEMO_WORKER_RESTART_DELAY').default('2s'),

  NEMO_MAX_POSITION_FRACTION: limit('maxPositionFraction'),
  NEMO_MAX_POSITION_USD: limit('maxPositionUsd'),
  NEMO_MAX_EXPOSURE_FRACTION: limit('maxExposureFraction'),
  NEMO_MAX_DAILY_LOSS_FRACTION: limit('maxDailyLossFraction'),
  NEMO_MAX_TOTAL_LOSS_FRACTION: limit('maxTotalLossFraction'),
  NEMO_MIN_PROBABILITY: limit('minProbability'),
  NEMO_HOT_WALLET_MAX_USD: limit('hotWalletMaxUsd'),
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
