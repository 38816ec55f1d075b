import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger as PinoLogger, type StreamEntry } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { scrub } from './secret-scrubber';

export type Logger = PinoLogger;

/** Field paths whose values are secrets wherever they appear; exact-value scrubbing is the second layer. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
  'privateKeyPem',
  '*.privateKeyPem',
  'token',
  '*.token',
  'authToken',
  '*.authToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["kalshi-access-signature"]',
  'masterKey',
  '*.masterKey',
];

export interface LoggerOptions {
  /** The process name; also the log file name under logDir. */
  name: string;
  level?: string;
  /** When given, JSON lines are also appended to <logDir>/<name>.log. */
  logDir?: string;
  /** Pretty output on a terminal; JSON lines otherwise. */
  pretty?: boolean;
  /** Write to stdout as well as the file (default true; tests keep their output to the file). */
  stdout?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const streams: StreamEntry[] = [];
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (options.stdout !== false) {
    streams.push({
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when writing to a terminal
      stream: pretty ? require('pino-pretty')({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' }) : process.stdout,
    });
  }
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    streams.push({ stream: createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' }) });
  }
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: scrub },
    },
    pino.multistream(streams),
  );
}

const TEMPORAL_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Bridges the Temporal Runtime's logger (worker and workflow logs) into pino. */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const emit = (level: LogLevel, message: string, meta?: LogMetadata) =>
    logger[TEMPORAL_LEVELS[level]](meta ?? {}, message);
  return {
    log: emit,
    trace: (message, meta) => emit('TRACE', message, meta),
    debug: (message, meta) => emit('DEBUG', message, meta),
    info: (message, meta) => emit('INFO', message, meta),
    warn: (message, meta) => emit('WARN', message, meta),
    error: (message, meta) => emit('ERROR', message, meta),
  };
}
