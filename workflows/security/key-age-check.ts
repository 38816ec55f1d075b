import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { KeyActivities } from '../../activities/security/keys';
import { SYSTEM_ACCOUNT } from '../../ledger/entry';
import { TASK_QUEUES } from '../../policies/domains';
import { HEALTH_PROBE } from '../activity-options';
import { raiseAlert } from '../operations/alerts';
import { ledgerOf } from '../operations/ledger';

const { checkKeyAges } = proxyActivities<KeyActivities>({ taskQueue: TASK_QUEUES.control, ...HEALTH_PROBE });
const { appendLedgerEntry } = ledgerOf('control');

/** seed: "Rotate every 90 days". Daily: every vault entry older than the limit raises a warning; the check is recorded. */
export async function keyAgeCheck(): Promise<{ checked: number; stale: string[] }> {
  const report = await checkKeyAges();
  const stale = report.keys.filter((k) => k.stale);
  for (const key of stale) {
    await raiseAlert({
      severity: 'warning',
      title: `Vault key ${key.name} is ${key.ageDays} days old`,
      body: `Keys are rotated every ${report.maxAgeDays} days (seed). Issue a new ${key.name} credential at the venue or service, then run \`nemo keys rotate ${key.name}\` and revoke the old one there.`,
      dedupeKey: `key-age:${key.name}`,
    });
  }
  const { workflowId, runId } = workflowInfo();
  await appendLedgerEntry({
    kind: 'keys.age-check',
    account: SYSTEM_ACCOUNT,
    payload: {
      checkedAt: report.checkedAt,
      vault: report.vault,
      maxAgeDays: report.maxAgeDays,
      keys: report.keys.map((k) => ({ ...k })),
    },
    idempotencyKey: `key-age-check:${workflowId}:${runId}`,
  });
  return { checked: report.keys.length, stale: stale.map((k) => k.name) };
}
