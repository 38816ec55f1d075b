import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readWorkerReport } from '../../activities/upgrade/deployment-state';
import { appendEntry, publishCheckpoint } from '../../ledger/ledger-store';
import { nemoHome } from '../../platform/nemo-home';
import { freePort } from '../../platform/ports';
import { writeTestLedgerKey } from '../support/ledger-key';
import { withLedgerTriggersOff } from '../support/ledger-tamper';
import { freshDatabase, testAppPool } from '../support/stack';
import { NEMO, nemoEnv, ROOT } from '../support/nemo-cli';
import { stackFile } from '../../platform/stack-description';

/** seed: NEMO never trades on a ledger it cannot trust. Every start verifies the chain before any worker runs. */
describe('nemo up on a ledger whose chain was edited', () => {
  it('refuses to start, naming the broken entry, and starts no worker', async () => {
    const databaseUrl = await freshDatabase('broken-chain');
    const home = mkdtempSync(path.join(os.tmpdir(), 'nemo-broken-chain-'));
    writeTestLedgerKey(home);
    const pool = testAppPool(databaseUrl);
    for (let n = 1; n <= 5; n++) {
      await appendEntry(pool, {
        kind: 'trade.fill',
        domain: 'paper',
        account: 'paper:kalshi',
        payload: { orderId: `o-${n}`, count: n },
        idempotencyKey: `fill:o-${n}`,
      });
    }
    // The head as the heartbeat publishes it outside the database: the witness the start verifies against.
    await publishCheckpoint(pool, nemoHome(home).ledgerCheckpoints);

    // A database owner edits entry 3. The key added is in no entry, so the edit always changes the row.
    const edited = await withLedgerTriggersOff(databaseUrl, (owner) =>
      owner.query(
        `UPDATE ledger_entries SET payload = payload || '{"editedBy": "a database owner"}' WHERE seq = 3 AND NOT payload ? 'editedBy'`,
      ),
    );
    assert.equal(edited.rowCount, 1);

    const env = nemoEnv({
      NEMO_HOME: home,
      DATABASE_URL: databaseUrl,
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI: process.env.NEMO_TEST_TEMPORAL_CLI!,
    });
    const up = spawnSync(process.execPath, ['--import', 'tsx', NEMO, 'up'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(up.status, 1, up.stdout + up.stderr);
    assert.match(
      up.stderr,
      /the ledger does not verify \(entry 3, hash-mismatch\): .*NEMO will not trade on it\. Run `nemo ledger verify`/,
    );
    assert.doesNotMatch(up.stdout, /NEMO ready|Ledger: \d+ entries verify/);
    // No worker ever ran: none reported, none logged, and the stack it was starting is gone.
    assert.equal(readWorkerReport(nemoHome(home)), undefined);
    const logs = nemoHome(home).logs;
    assert.deepEqual(existsSync(logs) ? readdirSync(logs).filter((f) => f.startsWith('worker-')) : [], []);
    assert.equal(existsSync(stackFile(nemoHome(home))), false);
  });
});
