import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { TASK_QUEUES, type Domain } from '../../policies/domains';
import type { NemoConfig } from '../config';
import { NemoDomain } from '../../contracts/search-attributes';

/** One of NEMO's recurring jobs. Every run is a workflow visible in the Web UI under its schedule. */
export interface NemoSchedule {
  scheduleId: string;
  workflowType: string;
  domain: Domain;
  /** An interval such as '5m'. */
  every: string;
  memo: string;
  args?: unknown[];
  /** Run once as soon as NEMO starts, so a fresh start shows it working (heartbeat, health, a scan). */
  runAtStart?: boolean;
}

export function nemoSchedules(config: NemoConfig): NemoSchedule[] {
  return [
    {
      scheduleId: 'nemo-heartbeat',
      workflowType: 'heartbeat',
      domain: 'control',
      every: config.NEMO_HEARTBEAT_EVERY, // seed: every 5 minutes
      memo: 'Heartbeat: which domain workers are alive; publishes the ledger head',
      runAtStart: true,
    },
    {
      scheduleId: 'nemo-health-check',
      workflowType: 'healthCheck',
      domain: 'control',
      every: config.NEMO_HEALTH_CHECK_EVERY, // seed: every 15 minutes
      memo: 'Health check: Temporal, PostgreSQL, the venues and the alert channels, up/down with latency',
      runAtStart: true,
    },
    {
      scheduleId: 'nemo-research-scan',
      workflowType: 'researchScan',
      domain: 'research',
      every: config.NEMO_SCAN_EVERY,
      memo: 'Research scan: every open market screened and analysed; typed candidates handed to the paper and live desks',
      runAtStart: true,
      args: [
        {
          kalshiStrategy: 'kalshi-mispricing',
          spotStrategy: 'coinbase-ma-crossover',
          coinbaseProducts: config.NEMO_COINBASE_PRODUCTS.split(','),
          batchSize: config.NEMO_SCAN_BATCH_SIZE,
          concurrency: config.NEMO_SCAN_CONCURRENCY,
        },
      ],
    },
    {
      scheduleId: 'nemo-ledger-backup',
      workflowType: 'ledgerBackup',
      domain: 'control',
      every: config.NEMO_BACKUP_EVERY, // seed: hourly backups
      memo: 'Ledger backup: pg_dump, proven by a restore and the ledger verifier, then retention',
      args: [
        {
          hourly: config.NEMO_BACKUP_KEEP_HOURLY,
          daily: config.NEMO_BACKUP_KEEP_DAILY,
          weekly: config.NEMO_BACKUP_KEEP_WEEKLY,
        },
      ],
    },
    {
      scheduleId: 'nemo-key-age-check',
      workflowType: 'keyAgeCheck',
      domain: 'control',
      every: config.NEMO_KEY_AGE_CHECK_EVERY, // seed: daily audit "Confirm API key health"; rotate every 90 days
      memo: 'Key age check: vault entries older than the rotation period raise a warning',
    },
    {
      scheduleId: 'nemo-alert-digest',
      workflowType: 'alertDigest',
      domain: 'control',
      every: config.NEMO_ALERT_REPEAT_WINDOW,
      memo: 'Alert digest: summaries of repeated alerts the rate limit held back',
    },
    // Incident response and operations (issue 7, docs/operations.md).
    {
      scheduleId: 'nemo-incident-watch',
      workflowType: 'incidentWatch',
      domain: 'control',
      every: config.NEMO_INCIDENT_WATCH_EVERY,
      memo: 'Incident watch: breaker trips, security events, failed workflows and missed heartbeats open incidents',
      args: [{ heartbeatEvery: config.NEMO_HEARTBEAT_EVERY }],
      // Its first run on a fresh ledger starts watching from then on: run at start, or a breaker tripped in the
      // first interval after a fresh start would never open an incident (found by `nemo drill loss`).
      runAtStart: true,
    },
    {
      scheduleId: 'nemo-reconciliation',
      workflowType: 'dailyReconciliation',
      domain: 'control',
      every: config.NEMO_RECONCILE_EVERY, // seed: daily reconciliation with exchange records
      memo: 'Reconciliation: ledger fills, positions and balances against the venues; differences open an incident',
      args: [{ confirmAfter: config.NEMO_RECONCILE_CONFIRM_AFTER }],
    },
    {
      scheduleId: 'nemo-account-snapshot',
      workflowType: 'accountSnapshot',
      domain: 'control',
      every: config.NEMO_SNAPSHOT_EVERY,
      memo: "Account snapshot: each guardian's equity and exposure, for the reports' charts",
    },
    // Interval schedules are aligned to the Unix epoch: 24h runs at 00:00 UTC and covers the day before.
    {
      scheduleId: 'nemo-daily-audit',
      workflowType: 'dailyAudit',
      domain: 'control',
      every: '24h', // seed: daily audits
      memo: 'Daily audit: trades logged, positions within limits, key health, backup integrity; daily report',
      args: [{}],
    },
    {
      scheduleId: 'nemo-weekly-review',
      workflowType: 'weeklyReview',
      domain: 'control',
      every: '168h', // seed: weekly reviews
      memo: 'Weekly review: performance against the risk limits, strategy effectiveness; weekly report',
      args: [{}],
    },
    {
      scheduleId: 'nemo-monthly-deep-dive',
      workflowType: 'monthlyDeepDive',
      domain: 'control',
      every: '720h', // seed: monthly deep dives (every 30 days)
      memo: 'Monthly deep dive: restore drill with recovery time, simulated injection attacks, operator review; monthly report',
      args: [{}],
    },
  ];
}

function scheduleOptions(schedule: NemoSchedule): ScheduleOptions {
  return {
    scheduleId: schedule.scheduleId,
    spec: { intervals: [{ every: schedule.every as '5m' }] },
    action: {
      type: 'startWorkflow',
      workflowType: schedule.workflowType,
      workflowId: schedule.scheduleId.replace(/^nemo-/, ''),
      taskQueue: TASK_QUEUES[schedule.domain],
      args: schedule.args ?? [],
      memo: { summary: schedule.memo },
      typedSearchAttributes: new TypedSearchAttributes([{ key: NemoDomain, value: schedule.domain }]),
    },
    // A run still going when the next is due is not doubled up; a missed run is not replayed a day later.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    memo: { summary: schedule.memo },
  };
}

/**
 * Creates each schedule, or brings an existing one up to date with the configured interval. Safe to call at every
 * start-up from any number of processes.
 */
export async function ensureSchedules(
  client: Client,
  schedules: NemoSchedule[],
): Promise<{ created: string[]; updated: string[] }> {
  const created: string[] = [];
  const updated: string[] = [];
  for (const schedule of schedules) {
    const options = scheduleOptions(schedule);
    try {
      await client.schedule.create(options);
      created.push(schedule.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
        ...previous,
        spec: options.spec,
        action: { ...previous.action, ...options.action } as typeof previous.action,
        policies: { ...previous.policies, ...options.policies },
      }));
      updated.push(schedule.scheduleId);
    }
  }
  return { created, updated };
}

/** Runs the schedules marked runAtStart once now, so a fresh start shows a heartbeat, a health check and a scan. */
export async function triggerSchedules(client: Client, schedules: NemoSchedule[]): Promise<void> {
  for (const schedule of schedules.filter((s) => s.runAtStart)) {
    await client.schedule.getHandle(schedule.scheduleId).trigger(ScheduleOverlapPolicy.SKIP);
  }
}
