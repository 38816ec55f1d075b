import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureComposePlugin } from '../../scripts/docker-compose-plugin';

const ROOT = path.resolve(__dirname, '..', '..');
const hasDocker = spawnSync('sh', ['-c', 'command -v docker']).status === 0;

describe('docker-compose.yml', { skip: hasDocker ? false : 'no docker client on this machine' }, () => {
  before(async () => {
    await ensureComposePlugin((line) => process.stdout.write(`# ${line}\n`));
  });

  const config = (file: string) => spawnSync('docker', ['compose', '-f', file, 'config', '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });

  it('is accepted by `docker compose config`, with Temporal, its Web UI, the ledger and the workers, each health-checked', () => {
    const result = config(path.join(ROOT, 'docker-compose.yml'));
    assert.equal(result.status, 0, result.stderr);
    const services = JSON.parse(result.stdout).services as Record<string, { healthcheck?: unknown; environment?: Record<string, string> }>;
    assert.deepEqual(Object.keys(services).sort(), ['nemo', 'postgres', 'temporal', 'temporal-postgres', 'temporal-ui']);
    for (const [name, service] of Object.entries(services)) assert.ok(service.healthcheck, `${name} has a health check`);
    assert.equal(services.nemo!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
  });

  it('is rejected when broken (the validation can fail)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const broken = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8').replace('condition: service_healthy', 'condition: whenever');
    writeFileSync(path.join(dir, 'docker-compose.yml'), broken);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const result = config(path.join(dir, 'docker-compose.yml'));
    assert.notEqual(result.status, 0);
  });
});
