import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureComposePlugin } from '../../scripts/docker-compose-plugin';
import {
  CLUSTER_CONFIG_FILE,
  clusterEnv,
  clusterPersistence,
  SETUP_SCHEMA_SCRIPT,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
} from '../../platform/temporal/temporal-cluster';
import { DYNAMIC_CONFIG_FILE } from '../../platform/temporal/temporal-server';

interface ComposeService {
  image?: string;
  entrypoint?: string[];
  healthcheck?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
}

const ROOT = path.resolve(__dirname, '..', '..');
const hasDocker = spawnSync('sh', ['-c', 'command -v docker']).status === 0;

describe('docker-compose.yml', { skip: hasDocker ? false : 'no docker client on this machine' }, () => {
  before(async () => {
    await ensureComposePlugin((line) => process.stdout.write(`# ${line}\n`));
  });

  const config = (file: string) =>
    spawnSync('docker', ['compose', '-f', file, 'config', '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });

  it('is accepted by `docker compose config`, with Temporal, its Web UI, the ledger and the workers, each health-checked', () => {
    const result = config(path.join(ROOT, 'docker-compose.yml'));
    assert.equal(result.status, 0, result.stderr);
    const services = JSON.parse(result.stdout).services as Record<string, ComposeService>;
    assert.deepEqual(Object.keys(services).sort(), [
      'nemo',
      'postgres',
      'temporal',
      'temporal-postgres',
      'temporal-schema',
      'temporal-ui',
    ]);
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'temporal-schema') assert.ok(service.healthcheck, `${name} has a health check`);
    }
    assert.equal(services.nemo!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('runs the Temporal cluster `nemo up --cluster` runs: same server version, same config, dynamic config and setup script', () => {
    const result = config(path.join(ROOT, 'docker-compose.yml'));
    assert.equal(result.status, 0, result.stderr);
    const services = JSON.parse(result.stdout).services as Record<string, ComposeService>;
    const mounts = (service: ComposeService) =>
      Object.fromEntries((service.volumes ?? []).map((v) => [v.target, v.source]));
    const version = TEMPORAL_SERVER_VERSION.slice(1);

    const temporal = services.temporal!;
    assert.equal(
      temporal.image,
      `temporalio/server:${version}`,
      'the server image of the version NEMO builds (not the deprecated auto-setup)',
    );
    assert.deepEqual(mounts(temporal), {
      '/etc/temporal/config/nemo.yaml': CLUSTER_CONFIG_FILE,
      [temporal.environment!.TEMPORAL_DYNAMIC_CONFIG_FILE!]: DYNAMIC_CONFIG_FILE,
    });
    assert.match(
      temporal.entrypoint!.join(' '),
      /temporal-server --root \/etc\/temporal --config config --env nemo --allow-no-auth start/,
    );
    assert.equal(
      temporal.depends_on!['temporal-schema']!.condition,
      'service_completed_successfully',
      'the server starts on a set-up schema',
    );

    const schema = services['temporal-schema']!;
    assert.ok(
      schema.image!.startsWith(`temporalio/admin-tools:${version}-`),
      `the SQL tool of the same version: ${schema.image}`,
    );
    assert.deepEqual(schema.entrypoint, ['sh', '/etc/temporal/setup-schema.sh']);
    assert.deepEqual(mounts(schema), { '/etc/temporal/setup-schema.sh': SETUP_SCHEMA_SCRIPT });

    // Both read the variables NEMO sets natively (platform/temporal/temporal-cluster.ts clusterEnv), and no others.
    const native = Object.keys(clusterEnv(clusterPersistence('postgres://u:p@h:5432/nemo'), 7233));
    const sql = native.filter((k) => k.startsWith('TEMPORAL_SQL_'));
    assert.deepEqual(Object.keys(schema.environment!).sort(), sql.sort());
    for (const key of Object.keys(temporal.environment!))
      assert.ok(native.includes(key), `${key} is a variable the native run sets too`);
    assert.equal(
      services['temporal-ui']!.image,
      `temporalio/ui:${TEMPORAL_UI_VERSION.slice(1)}`,
      'the Web UI version `nemo up --cluster` builds',
    );
  });

  it('is rejected when broken (the validation can fail)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const broken = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8').replace(
      'condition: service_healthy',
      'condition: whenever',
    );
    writeFileSync(path.join(dir, 'docker-compose.yml'), broken);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const result = config(path.join(dir, 'docker-compose.yml'));
    assert.notEqual(result.status, 0);
  });
});
