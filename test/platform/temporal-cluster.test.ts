import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, before } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { dropDatabase, ownerClient, withDatabase } from '../../platform/postgres/postgres';
import { registerNemo, TemporalRegistrationRefused } from '../../platform/temporal/search-attributes';
import {
  clusterPersistence,
  clusterPortProblem,
  ensureClusterBinaries,
  MAX_FRONTEND_PORT,
  freeClusterPort,
  setupClusterSchema,
  startClusterServer,
  type ClusterBinaries,
  type ClusterPersistence,
} from '../../platform/temporal/temporal-cluster';
import { DYNAMIC_CONFIG_FILE, readDynamicConfig, type DevServer } from '../../platform/temporal/temporal-server';
import { NEMO_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { atFileEnd, freshDatabase } from '../support/stack';

/**
 * The production topology's Temporal part, for real: the server and SQL tool built from go.temporal.io/server, the
 * schemas set up in PostgreSQL, the server started on them with temporal-cluster/'s files, and NEMO's namespace and
 * search attributes registered through the API.
 */
async function schemaVersion(persistence: ClusterPersistence, database: string): Promise<string> {
  const client = ownerClient(
    `postgres://${encodeURIComponent(persistence.user)}@${persistence.host}:${persistence.port}/${database}`,
  );
  await client.connect();
  try {
    return (await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version')).rows[0]!
      .curr_version;
  } finally {
    await client.end();
  }
}

describe('the Temporal cluster (server on PostgreSQL, built from its Go module)', () => {
  let binaries: ClusterBinaries;
  let persistence: ClusterPersistence;
  let databaseUrl: string;
  let server: DevServer;
  let connection: Connection;
  const lines: string[] = [];

  before(async () => {
    binaries = await ensureClusterBinaries((line) => process.stdout.write(`# ${line}\n`));
    databaseUrl = await freshDatabase('cluster');
    persistence = clusterPersistence(databaseUrl);
    atFileEnd(async () => {
      await dropDatabase(withDatabase(databaseUrl, persistence.database));
      await dropDatabase(withDatabase(databaseUrl, persistence.visibilityDatabase));
    });
  });

  it('sets up the persistence and visibility schemas, and a second run changes nothing', async () => {
    await setupClusterSchema(binaries, persistence, (line) => lines.push(line));
    const first = [
      await schemaVersion(persistence, persistence.database),
      await schemaVersion(persistence, persistence.visibilityDatabase),
    ];
    assert.ok(
      first.every((v) => /^\d+\.\d+$/.test(v) && v !== '0.0'),
      `migrated past 0.0: ${first}`,
    );
    await setupClusterSchema(binaries, persistence, (line) => lines.push(line));
    assert.deepEqual(
      [
        await schemaVersion(persistence, persistence.database),
        await schemaVersion(persistence, persistence.visibilityDatabase),
      ],
      first,
    );
  });

  it('starts on that schema and keeps its namespaces in PostgreSQL (not SQLite)', async () => {
    const port = await freeClusterPort();
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'nemo-cluster-'));
    server = await startClusterServer({
      binaries,
      persistence,
      frontendPort: port,
      logFile: path.join(scratch, 'temporal.log'),
    });
    atFileEnd(() => server.stop());
    connection = await Connection.connect({ address: server.address });
    atFileEnd(() => connection.close());
    const client = ownerClient(withDatabase(databaseUrl, persistence.database));
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM namespaces');
      assert.ok(
        rows.some((r) => r.name === 'temporal-system'),
        'the system namespace is a row in the cluster database',
      );
    } finally {
      await client.end();
    }
  });

  it('registers the namespace and search attributes once, and finds them present on every later start', async () => {
    const first = await registerNemo(connection, server.address, 'nemo-cluster');
    assert.deepEqual(first, {
      namespaceRegistered: true,
      searchAttributesAdded: NEMO_SEARCH_ATTRIBUTES.map((a) => a.name),
    });
    const again = await registerNemo(connection, server.address, 'nemo-cluster');
    assert.deepEqual(again, { namespaceRegistered: false, searchAttributesAdded: [] });
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'nemo-cluster' });
    for (const a of NEMO_SEARCH_ATTRIBUTES)
      assert.ok(listed.customAttributes?.[a.name] !== undefined, `${a.name} registered`);
  });

  it('names the refusal when SQL visibility has no Keyword column left for NEMO', async () => {
    // Another application took 7 of the 10 Keyword columns of this namespace: NEMO's 4 do not fit.
    const fresh = 'crowded';
    await connection.workflowService.registerNamespace({
      namespace: fresh,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const others = Object.fromEntries(
      Array.from({ length: 10 - NEMO_SEARCH_ATTRIBUTES.length + 1 }, (_, i) => [`Other${i}`, 2]),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.operatorService.addSearchAttributes({ namespace: fresh, searchAttributes: others });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err; // the new namespace reaches the frontend's cache within seconds
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await assert.rejects(registerNemo(connection, server.address, fresh), (err: Error) => {
      assert.ok(err instanceof TemporalRegistrationRefused, String(err));
      assert.match(err.message, /NemoDomain/);
      assert.match(err.message, /cannot have more than \d+ search attribute of type Keyword/);
      assert.match(err.message, /10 Keyword on PostgreSQL/);
      return true;
    });
  });

  it('refuses a frontend port whose membership ports PostgreSQL cannot store (smallint)', () => {
    assert.equal(clusterPortProblem(7233), undefined);
    assert.equal(clusterPortProblem(MAX_FRONTEND_PORT), undefined);
    assert.match(
      clusterPortProblem(MAX_FRONTEND_PORT + 1)!,
      /membership ports \(300 below it\) as PostgreSQL smallint; use 33061 or below/,
    );
    assert.match(clusterPortProblem(1000)!, /use 1324 or above/);
  });

  it('the dev server takes the same dynamic config: the file is read, and an entry it cannot pass on is refused', () => {
    const values = readDynamicConfig(DYNAMIC_CONFIG_FILE);
    assert.equal(values.get('system.enableActivityEagerExecution'), 'true');
    const odd = path.join(mkdtempSync(path.join(os.tmpdir(), 'dc-')), 'dc.yaml');
    writeFileSync(odd, 'limit.x:\n  - value: 3\n    constraints:\n      namespace: nemo\n');
    assert.throws(() => readDynamicConfig(odd), /dc\.yaml:3: only `key:` followed by one/);
  });
});
