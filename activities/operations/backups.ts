import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { LedgerKey } from '../../ledger/hash-chain';
import { readCheckpoint, verifyChain, type ChainBreak, type Checkpoint } from '../../ledger/ledger-store';
import { findPostgresBinaries } from '../../platform/postgres/postgres-cluster';
import { dropDatabase, ensureDatabase, ownerClient, withDatabase } from '../../platform/postgres/postgres';
import { selectBackupsToKeep, type BackupRef, type RetentionPolicy } from '../../policies/backup-retention';

/**
 * Ledger backups (seed: "Hourly backups to external storage", "Validate backup integrity"). A backup is a pg_dump
 * custom-format file, a checksum, and the ledger head it contains, taken from one snapshot so the three agree. A
 * backup only counts once a restore into a scratch database has passed the ledger verifier.
 */

export interface BackupManifest {
  name: string;
  file: string;
  takenAt: string;
  bytes: number;
  sha256: string;
  ledgerHead: { seq: number; hash: string };
  /** The newest head published outside the database when the backup was taken: a witness the database cannot rewrite. */
  checkpoint: Checkpoint | null;
}

export interface BackupProof {
  name: string;
  ok: boolean;
  restoreMs: number;
  entries: number;
  problem?: string;
  firstBreak?: ChainBreak;
}

export interface BackupDeps {
  databaseUrl: string;
  backupDir: string;
  ledgerKey: LedgerKey;
  checkpointsFile: string;
}

function postgresTool(name: 'pg_dump' | 'pg_restore'): string {
  const binaries = findPostgresBinaries();
  return binaries && existsSync(path.join(binaries.binDir, name)) ? path.join(binaries.binDir, name) : name;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** Long steps heartbeat while they run, so a dead worker is noticed within the heartbeat timeout, not the 30 min one. */
async function withHeartbeat<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(step), 10_000);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const manifestPath = (dir: string, name: string) => path.join(dir, `${name}.json`);

export function readManifest(dir: string, name: string): BackupManifest {
  const file = manifestPath(dir, name);
  if (!existsSync(file))
    throw ApplicationFailure.nonRetryable(`backup ${name} has no manifest in ${dir}`, 'BackupNotFound');
  return JSON.parse(readFileSync(file, 'utf8')) as BackupManifest;
}

export function listBackups(dir: string): BackupManifest[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^ledger-.+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as BackupManifest)
    .sort((a, b) => a.takenAt.localeCompare(b.takenAt));
}

export function createBackupActivities(deps: BackupDeps) {
  return {
    /** pg_dump from the same snapshot the head is read in, so the manifest's head is exactly what the file holds. */
    async backUpLedger(): Promise<BackupManifest> {
      mkdirSync(deps.backupDir, { recursive: true });
      const takenAt = new Date();
      const name = `ledger-${takenAt.toISOString().replace(/[:.]/g, '-')}`;
      const file = path.join(deps.backupDir, `${name}.dump`);
      const client = ownerClient(deps.databaseUrl);
      await client.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
        const head = await client.query<{ seq: string; hash: string }>(
          'SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1',
        );
        await withHeartbeat('dumping', () =>
          run(postgresTool('pg_dump'), [
            '--format=custom',
            `--snapshot=${rows[0]!.snapshot}`,
            `--file=${file}`,
            `--dbname=${deps.databaseUrl}`,
          ]),
        );
        await client.query('COMMIT');
        const manifest: BackupManifest = {
          name,
          file,
          takenAt: takenAt.toISOString(),
          bytes: statSync(file).size,
          sha256: await sha256Of(file),
          ledgerHead: head.rows[0]
            ? { seq: Number(head.rows[0].seq), hash: head.rows[0].hash }
            : { seq: 0, hash: '0'.repeat(64) },
          checkpoint: readCheckpoint(deps.checkpointsFile) ?? null,
        };
        writeFileSync(manifestPath(deps.backupDir, name), `${JSON.stringify(manifest, null, 2)}\n`);
        return manifest;
      } finally {
        await client.end();
      }
    },

    /** Restores into a scratch database and runs the ledger verifier there; the restore time is the recovery time. */
    async proveBackup(name: string): Promise<BackupProof> {
      const manifest = readManifest(deps.backupDir, name);
      const started = performance.now();
      const fail = (problem: string, extra: Partial<BackupProof> = {}): BackupProof => ({
        name,
        ok: false,
        restoreMs: Math.round(performance.now() - started),
        entries: 0,
        problem,
        ...extra,
      });
      if (!existsSync(manifest.file)) return fail(`backup file ${manifest.file} is missing`);
      const actual = await sha256Of(manifest.file);
      if (actual !== manifest.sha256)
        return fail(`checksum mismatch: the file is ${actual}, the manifest says ${manifest.sha256}`);
      const scratchUrl = withDatabase(deps.databaseUrl, `nemo_restore_${process.pid}_${Date.now()}`);
      await ensureDatabase(scratchUrl);
      try {
        try {
          await withHeartbeat('restoring', () =>
            run(postgresTool('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${scratchUrl}`, manifest.file]),
          );
        } catch (err) {
          return fail(`restore failed: ${(err as Error).message}`);
        }
        const client = ownerClient(scratchUrl);
        await client.connect();
        try {
          const report = await verifyChain(client, {
            key: deps.ledgerKey,
            checkpoint: manifest.checkpoint ?? undefined,
            onProgress: (checked) => Context.current().heartbeat(`verified ${checked}`),
          });
          const restoreMs = Math.round(performance.now() - started);
          if (!report.ok)
            return fail(`the restored ledger does not verify: ${report.firstBreak!.detail}`, {
              entries: report.entries,
              firstBreak: report.firstBreak,
            });
          if (report.head.seq !== manifest.ledgerHead.seq || report.head.hash !== manifest.ledgerHead.hash) {
            return fail(`the restored head ${report.head.seq} differs from the manifest's ${manifest.ledgerHead.seq}`, {
              entries: report.entries,
            });
          }
          return { name, ok: true, restoreMs, entries: report.entries };
        } finally {
          await client.end();
        }
      } finally {
        await dropDatabase(scratchUrl);
      }
    },

    /** The newest backup's name, for restore drills; undefined when none exists yet. */
    async latestBackupName(): Promise<string | undefined> {
      return listBackups(deps.backupDir).at(-1)?.name;
    },

    /** Deletes the backups the retention policy no longer keeps; returns their names. */
    async pruneBackups(policy: RetentionPolicy): Promise<string[]> {
      const refs: BackupRef[] = listBackups(deps.backupDir).map((m) => ({ name: m.name, takenAt: m.takenAt }));
      const { remove } = selectBackupsToKeep(refs, policy);
      for (const backup of remove) {
        rmSync(path.join(deps.backupDir, `${backup.name}.dump`), { force: true });
        rmSync(manifestPath(deps.backupDir, backup.name), { force: true });
      }
      return remove.map((b) => b.name);
    },
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
