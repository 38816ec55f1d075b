import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { venuePortsFor } from '../../activities/venues/credentials';
import { loadConfig } from '../../platform/config';
import { readVenueDescription } from '../../platform/venue-description';

const ROOT = path.resolve(__dirname, '..', '..');

describe('serve-venues: the SIMULATED venues as a supervised process', () => {
  it('starts, describes itself (credentials in a 0600 file), serves, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'serve-'));
    const descriptionFile = path.join(dir, 'venues.json');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'simulators', 'serve-venues.ts'),
        descriptionFile,
        '--seed',
        'serve',
        '--kalshi-markets',
        '20',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let waited = 0; !existsSync(descriptionFile); waited += 100) {
        assert.ok(waited < 30_000, `no description after 30 s: ${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const { description, secretsFor } = readVenueDescription(descriptionFile);
      assert.equal(description.label, 'SIMULATED');
      assert.equal(statSync(description.credentialsFile).mode & 0o777, 0o600);
      assert.match(output, /SIMULATED VENUES/);
      const config = loadConfig({ NEMO_HOME: '/nonexistent-nemo-home', ...description.config });
      const paper = venuePortsFor('paper', secretsFor('paper'), config);
      assert.equal((await paper.kalshi!.getBalance()).availableCents, 100_000);
      assert.equal((await paper.coinbase!.getBalance()).availableCents, 100_000);
      assert.equal((await paper.kalshi!.listMarkets()).length, 20);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.equal(existsSync(descriptionFile), false, 'the description is removed on a clean stop');
  });
});
