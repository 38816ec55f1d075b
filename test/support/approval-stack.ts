import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createAlertActivities } from '../../activities/operations/alert-activities';
import { createAlertService } from '../../platform/alerts/alert-service';
import { createApprovalActivities, type ApprovalRequest } from '../../activities/approvals/approval-activities';
import { findApproval, type ApprovalRow } from '../../platform/approvals/approvals-store';
import { createLedgerActivities } from '../../activities/operations/ledger';
import type { NemoConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { payloadCodecFor } from '../../platform/temporal/payload-codec';
import { connectClient, nemoTemporalTarget } from '../../platform/temporal/temporal-connection';
import { createKeyFile } from '../../platform/vault/master-key';
import { loadDomainSecrets } from '../../platform/vault/secret-source';
import { openVault } from '../../platform/vault/vault';
import { TASK_QUEUES } from '../../policies/domains';
import { startTwilioFake, type TwilioFake } from '../../simulators/twilio/server';
import { atFileEnd, testAppPool, testConfig } from './stack';

export const TWILIO = {
  accountSid: `AC${'3'.repeat(32)}`,
  authToken: 'planted-approval-twilio-token',
  from: '+15550003333',
};
export const OPERATOR_PHONE = '+15559990001';

export interface ApprovalStack {
  config: NemoConfig;
  client: Client;
  pool: pg.Pool;
  twilio: TwilioFake;
  /** The environment a `nemo` command run by the operator sees. */
  env: NodeJS.ProcessEnv;
  startProbe(
    label: string,
    request: Omit<ApprovalRequest, 'expiresAt'>,
    timeout: string,
  ): Promise<{ workflowId: string; approval: ApprovalRow }>;
}

/**
 * The approval protocol's real parts in this test process: a vault holding the Twilio credential (so payloads are
 * encrypted and alerts go to the loopback Twilio), the approval, alert and ledger activities on the control queue,
 * and test/fixtures/workflows/approval-probe.ts as the asking workflow. The test worker registers these activities
 * without the domain guard, since the probe is not one of NEMO's workflow types.
 */
export async function startApprovalStack(): Promise<ApprovalStack> {
  const twilio = await startTwilioFake(TWILIO);
  atFileEnd(() => twilio.close());
  const config = await testConfig({
    NEMO_OPERATOR: 'ops-test',
    NEMO_OPERATOR_PHONE: OPERATOR_PHONE,
    NEMO_TWILIO_API_URL: twilio.url,
  });
  createKeyFile(path.join(config.NEMO_HOME, 'vault', 'master.key'));
  openVault(config, {})!.add('twilio', JSON.stringify(TWILIO));

  const pool = testAppPool(config.DATABASE_URL);
  const client = await connectClient(nemoTemporalTarget(config, {}));
  atFileEnd(() => client.connection.close());
  const logger = createLogger({ name: 'approvals-test', level: 'silent', pretty: false });
  const alerts = createAlertService({
    ledgerPool: pool,
    logger,
    secrets: loadDomainSecrets(config, 'control', {}),
    config,
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: TASK_QUEUES.control,
    workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows', 'approval-probe.ts'),
    activities: {
      ...createLedgerActivities(pool, 'control'),
      ...createAlertActivities(alerts),
      ...createApprovalActivities({ ledgerPool: pool, logger, alerts }),
    },
    dataConverter: { payloadCodecs: [payloadCodecFor(config, {})!] },
  });
  const running = worker.run();
  atFileEnd(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NEMO_HOME: config.NEMO_HOME,
    DATABASE_URL: config.DATABASE_URL,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    NEMO_OPERATOR: 'ops-test',
  };

  async function startProbe(label: string, request: Omit<ApprovalRequest, 'expiresAt'>, timeout: string) {
    const workflowId = `approval-probe/${label}/${Date.now()}`;
    await client.workflow.start('approvalProbe', {
      taskQueue: TASK_QUEUES.control,
      workflowId,
      args: [request, timeout],
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM approvals WHERE workflow_id = $1', [
        workflowId,
      ]);
      if (rows[0]) return { workflowId, approval: (await findApproval(pool, Number(rows[0].id)))! };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`workflow ${workflowId} did not request an approval within 30 s`);
  }

  return { config, client, pool, twilio, env, startProbe };
}
