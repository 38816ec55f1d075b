import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createKeyFile, keyFileOf } from '../../platform/vault/master-key';
import { openVault, type Vault } from '../../platform/vault/vault';
import { SecretCustodian } from '../../platform/vault/custodian';
import { SECRETS_FD } from '../../platform/vault/secret-handover';
import { SECRETS_FD_ENV } from '../../platform/secrets';
import { BWRAP, candidateSandboxArgs, sandboxAvailability, workerSandboxArgs } from '../../platform/sandbox';
import { Supervisor } from '../../platform/supervisor';
import { nemoHome } from '../../platform/nemo-home';
import type { Domain } from '../../policies/domains';
import { generateKalshiKey } from '../../simulators/kalshi/auth';
import { testConfig } from '../support/stack';
import { until } from '../support/until';

// issue 18 A: only the supervisor opens the vault; each worker is handed its domain's entries and runs where the
// vault directory and the master key are not mounted.
const ROOT = path.resolve(__dirname, '..', '..');
const PROBE = path.join(__dirname, 'fixtures', 'worker-probe.ts');
const kalshi = () => JSON.stringify({ keyId: `k-${Math.random()}`, privateKeyPem: generateKalshiKey().privateKeyPem });

// Per domain: an entry another domain holds (must be refused) and the entries it should be handed.
const CASES: { domain: Domain; other: string; own: string[] }[] = [
  // Every domain appends to the ledger, so every one is handed its MAC key (scope 'ledger').
  { domain: 'research', other: 'kalshi.production', own: ['anthropic', 'kalshi.readonly', 'ledger.mac'] },
  { domain: 'paper', other: 'kalshi.production', own: ['kalshi.demo', 'ledger.mac'] },
  { domain: 'live', other: 'anthropic', own: ['kalshi.production', 'ledger.mac'] },
  { domain: 'upgrade', other: 'kalshi.production', own: ['ledger.mac'] },
  { domain: 'control', other: 'kalshi.demo', own: ['kalshi.readonly', 'ledger.mac', 'twilio'] },
];

type Attempt = { ok: true; value: string } | { ok: false; error: string };
interface ProbeReport {
  domain: Domain;
  masterKeyFile: Attempt;
  openVault: Attempt;
  decryptOtherEntry: Attempt;
  handedOtherEntry: Attempt;
  handedOwn: string[];
}

async function probeWorkers(
  isolated: boolean,
  cases = CASES,
  thenChange?: (vault: Vault, reports: Map<Domain, ProbeReport>) => Promise<void>,
) {
  const config = await testConfig();
  const home = nemoHome(config.NEMO_HOME);
  createKeyFile(keyFileOf(config));
  const vault = openVault(config, {})!;
  vault.add('kalshi.production', kalshi());
  vault.add('kalshi.demo', kalshi());
  vault.add('kalshi.readonly', kalshi());
  vault.add('anthropic', 'sk-ant-planted-isolation');
  vault.add(
    'twilio',
    JSON.stringify({ accountSid: 'AC12345678', authToken: 'planted-twilio-token', from: '+15550000000' }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEMO_HOME: config.NEMO_HOME,
    DATABASE_URL: config.DATABASE_URL,
    NEMO_LOG_LEVEL: 'warn',
  };
  delete env.NEMO_VAULT_KEY;
  const custodian = new SecretCustodian(config, env, { revokeKalshiKey: async () => undefined });
  const reports = new Map<Domain, ProbeReport>();
  const supervisor = new Supervisor({
    maxRestarts: 0,
    restartDelayMs: 10,
    stableAfterMs: 60_000,
    onOutput: (_name, line) => {
      const m = /NEMO-PROBE (.*)$/.exec(line);
      if (m) {
        const report = JSON.parse(m[1]!) as ProbeReport;
        reports.set(report.domain, report);
      }
    },
  });
  after(() => supervisor.stopAll(2000));
  for (const c of cases) {
    supervisor.start({
      name: c.domain,
      command: process.execPath,
      args: ['--import', 'tsx', '--import', PROBE, path.join(ROOT, 'workers', `${c.domain}.ts`)],
      env: {
        ...env,
        [SECRETS_FD_ENV]: String(SECRETS_FD),
        NEMO_PROBE_DOMAIN: c.domain,
        NEMO_PROBE_OTHER_ENTRY: c.other,
      },
      ...custodian.workerIsolation(
        c.domain,
        isolated
          ? workerSandboxArgs([home.vault, keyFileOf(config)], { nestsSandboxes: c.domain === 'upgrade' })
          : undefined,
      ),
    });
  }
  await until(() => reports.size === cases.length || undefined, 'every worker to report its probe', 90_000, 100);
  if (thenChange) {
    const stopWatching = custodian.watch(() => supervisor.handOverSecrets(), 100);
    await thenChange(vault, reports);
    stopWatching();
  }
  await supervisor.stopAll(5000);
  return reports;
}

describe('domain workers are handed their secrets and cannot reach the vault (issue 18 A)', () => {
  it('this machine can build the worker sandbox (bubblewrap)', () => {
    assert.deepEqual(sandboxAvailability(), { ok: true });
  });

  it("from inside each domain worker: the master key, the vault and another domain's entry are out of reach", async () => {
    const reports = await probeWorkers(true);
    for (const c of CASES) {
      const r = reports.get(c.domain)!;
      assert.ok(
        !r.masterKeyFile.ok && /ENOENT/.test(r.masterKeyFile.error),
        `${c.domain}: the master key file is not mounted: ${JSON.stringify(r.masterKeyFile)}`,
      );
      assert.ok(
        !r.openVault.ok &&
          /a worker never opens the vault: the supervisor \(nemo up\) holds it/.test(r.openVault.error),
        `${c.domain}: ${JSON.stringify(r.openVault)}`,
      );
      assert.ok(
        !r.decryptOtherEntry.ok && /no master key/.test(r.decryptOtherEntry.error),
        `${c.domain}: ${JSON.stringify(r.decryptOtherEntry)}`,
      );
      assert.ok(!r.handedOtherEntry.ok, `${c.domain} must not hold ${c.other}`);
      assert.match(
        r.handedOtherEntry.error,
        new RegExp(
          `SecretScopeError: the ${c.domain} domain may not load vault entry ${c.other.replace('.', '\\.')} \\(scope `,
        ),
      );
      assert.deepEqual([...r.handedOwn].sort(), [...c.own].sort(), `${c.domain} is handed exactly its scopes`);
    }
  });

  it('a running worker is handed its entries again when one is added or revoked', async () => {
    await probeWorkers(true, [CASES[0]!], async (vault, reports) => {
      vault.add('kimi', 'sk-kimi-planted-isolation');
      vault.revoke('anthropic', 'rotated away');
      await until(
        () =>
          [...reports.get('research')!.handedOwn].sort().join() === 'kalshi.readonly,kimi,ledger.mac'
            ? true
            : undefined,
        'the research worker to hold kimi and no longer anthropic',
        20_000,
        100,
      );
    });
  });

  it('the upgrade worker, in its sandbox, can still build a candidate sandbox (nested namespaces)', () => {
    const area = mkdtempSync(path.join(process.env.NEMO_TEST_SCRATCH ?? os.tmpdir(), 'nested-'));
    const box = { cwd: area, writable: [area], hidden: [], readOnly: [], maxProcesses: 64, label: 'nested-test' };
    const nested = (nestsSandboxes: boolean) =>
      spawnSync(
        BWRAP,
        [
          ...workerSandboxArgs([], { nestsSandboxes }),
          '--',
          BWRAP,
          ...candidateSandboxArgs(box, ['/bin/sh', '-c', 'echo candidate ran']),
        ],
        { encoding: 'utf8' },
      );
    const upgrade = nested(true);
    assert.equal(upgrade.status, 0, upgrade.stderr);
    assert.match(upgrade.stdout, /candidate ran/);
    // Why the upgrade worker keeps the machine's /proc: under a bwrap-mounted /proc the kernel refuses the nested one.
    assert.match(nested(false).stderr, /Can't mount proc/);
  });

  it("the same probe without the mount namespace reads the master key and decrypts another domain's entry (so the test can fail)", async () => {
    const reports = await probeWorkers(false, [CASES[0]!]);
    const r = reports.get('research')!;
    assert.ok(r.masterKeyFile.ok, JSON.stringify(r.masterKeyFile));
    assert.ok(
      r.decryptOtherEntry.ok && r.decryptOtherEntry.value.includes('privateKeyPem'),
      'outside the sandbox the production key decrypts',
    );
  });
});
