import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { before, describe, it } from 'node:test';
import { findApproval } from '../../platform/approvals/approvals-store';
import { readEntries } from '../../ledger/ledger-store';
import { startApprovalWebhook, startConfiguredApprovalWebhook } from '../../platform/approvals/approval-webhook';
import { createLogger } from '../../platform/logger';
import { freePort } from '../../platform/ports';
import type { WorkerContext } from '../../platform/worker-context';
import { atFileEnd } from '../support/stack';
import { until } from '../support/until';
import { OPERATOR_PHONE, startApprovalStack, TWILIO, type ApprovalStack } from '../support/approval-stack';
import type { ApprovalOutcome } from '../../contracts/approvals';

const request = (subject: string) => ({
  kind: 'credit-purchase' as const,
  subject,
  summary: `Buy $20 of LLM credit (${subject})`,
  details: {
    what: 'top up Anthropic credit by $20',
    why: 'balance $1.40, research scans stop below $1',
    limits: 'one purchase, at most $20',
  },
});

const twiml = (message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${message}</Message></Response>`;

describe('the inbound SMS approval webhook', () => {
  let stack: ApprovalStack;
  let url: string;
  const reply = (body: string, from = OPERATOR_PHONE, messageSid?: string, signature?: string) =>
    stack.twilio.deliverInbound(url, { from, to: TWILIO.from, body, messageSid }, signature);
  const result = (workflowId: string) =>
    stack.client.workflow.getHandle(workflowId).result() as Promise<ApprovalOutcome>;
  const securityEvents = async (kind: string) => readEntries(stack.pool, { kind });

  before(async () => {
    stack = await startApprovalStack();
    const port = await freePort();
    const webhook = await startApprovalWebhook({
      publicUrl: `http://127.0.0.1:${port}/twilio/sms`,
      port,
      operatorPhone: OPERATOR_PHONE,
      operatorName: 'ops-test',
      authToken: () => TWILIO.authToken,
      ledgerPool: stack.pool,
      temporal: stack.client,
      logger: createLogger({ name: 'webhook-test', level: 'silent', pretty: false }),
    });
    url = webhook.url;
    atFileEnd(() => webhook.close());
  });

  it('approves with a validly signed "YES <code>" from the operator, recorded as an SMS decision', async () => {
    const { workflowId, approval } = await stack.startProbe('sms-yes', request('sms-yes'), '10m');
    const answer = await reply(`yes ${approval.code}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, twiml(`Approved #${approval.id} (sms-yes).`));
    assert.deepEqual(await result(workflowId), { outcome: 'approved', by: 'ops-test' });
    const row = (await findApproval(stack.pool, approval.id))!;
    assert.deepEqual([row.status, row.decidedBy, row.channel], ['approved', 'ops-test', 'sms']);
  });

  it('rejects with "NO <code> <reason>", passing the reason on', async () => {
    const { workflowId, approval } = await stack.startProbe('sms-no', request('sms-no'), '10m');
    const answer = await reply(`NO ${approval.code} not this week`);
    assert.equal(answer.body, twiml(`Rejected #${approval.id} (sms-no).`));
    assert.deepEqual(await result(workflowId), { outcome: 'rejected', by: 'ops-test', reason: 'not this week' });
  });

  it('refuses a forged signature, a stranger, a wrong code, a stale code and a replay, each as a security event', async () => {
    const { workflowId, approval } = await stack.startProbe('sms-refusals', request('sms-refusals'), '10m');

    const forged = await reply(`YES ${approval.code}`, OPERATOR_PHONE, undefined, 'bm90IGEgcmVhbCBzaWduYXR1cmU=');
    assert.equal(forged.status, 403);
    assert.equal(forged.body, twiml('This request could not be verified.'));
    assert.equal((await securityEvents('security.sms-forged-signature')).length, 1);

    const stranger = await reply(`YES ${approval.code}`, '+15551112222');
    assert.equal(stranger.body, twiml('This number is not authorised to answer NEMO.'));
    assert.equal((await securityEvents('security.sms-unknown-sender'))[0]!.payload.from, '+15551112222');

    const wrongCode = String((Number(approval.code) + 1) % 10_000).padStart(4, '0');
    const wrong = await reply(`YES ${wrongCode}`);
    assert.equal(wrong.body, twiml(`No pending request has code ${wrongCode}.`));

    const gibberish = await reply('sure, go ahead');
    assert.equal(
      gibberish.body,
      twiml('Reply YES &lt;code&gt; to approve or NO &lt;code&gt; &lt;reason&gt; to reject.'),
    );
    assert.equal((await securityEvents('security.sms-unparsed-reply')).length, 1);

    assert.equal((await findApproval(stack.pool, approval.id))!.status, 'pending', 'none of these decided anything');

    const valid = await reply(`YES ${approval.code}`, OPERATOR_PHONE, 'SMreplayed0000000000000000000000');
    assert.equal(valid.body, twiml(`Approved #${approval.id} (sms-refusals).`));
    assert.deepEqual(await result(workflowId), { outcome: 'approved', by: 'ops-test' });

    const replayed = await reply(`YES ${approval.code}`, OPERATOR_PHONE, 'SMreplayed0000000000000000000000');
    assert.equal(replayed.body, twiml('This reply was already processed.'));
    assert.equal((await securityEvents('security.sms-replayed')).length, 1);

    // The code of a decided (or expired) request is stale: nothing is pending under it any more.
    const stale = await reply(`NO ${approval.code} changed my mind`);
    assert.equal(stale.body, twiml(`No pending request has code ${approval.code}.`));
    const badCodes = await securityEvents('security.sms-bad-code');
    assert.deepEqual(
      badCodes.map((e) => e.payload.code),
      [wrongCode, approval.code],
    );
    assert.equal((await findApproval(stack.pool, approval.id))!.status, 'approved');
  });

  it('refuses the code of a request that expired', async () => {
    const { workflowId, approval } = await stack.startProbe('sms-expired', request('sms-expired'), '2s');
    assert.equal((await result(workflowId)).outcome, 'expired');
    const late = await reply(`YES ${approval.code}`);
    assert.equal(late.body, twiml(`No pending request has code ${approval.code}.`));
    assert.equal((await findApproval(stack.pool, approval.id))!.status, 'expired');
  });

  it('pauses SMS decisions after repeated wrong codes (a guessing attack from a spoofed number)', async () => {
    const { workflowId, approval } = await stack.startProbe('sms-guessing', request('sms-guessing'), '10m');
    const earlier = (await securityEvents('security.sms-bad-code')).length;
    for (let i = earlier; i < 5; i += 1) {
      const guess = String((Number(approval.code) + 100 + i) % 10_000).padStart(4, '0');
      assert.match((await reply(`YES ${guess}`)).body, /No pending request has code/);
    }
    const right = await reply(`YES ${approval.code}`);
    assert.equal(
      right.body,
      twiml('Too many wrong codes: SMS decisions are paused for 15 minutes. Use `nemo approve` on the NEMO host.'),
    );
    assert.equal((await securityEvents('security.sms-locked')).length, 1);
    assert.equal((await findApproval(stack.pool, approval.id))!.status, 'pending');
    await stack.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('a new control worker takes the port over when the replaced one lets go (a deploy overlaps two builds)', async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/twilio/sms`;
    const occupant = createServer((_req, res) => res.end('old build'));
    await new Promise<void>((resolve) => occupant.listen(port, '127.0.0.1', resolve));
    const ctx = {
      config: {
        ...stack.config,
        NEMO_APPROVAL_WEBHOOK_PORT: port,
        NEMO_APPROVAL_WEBHOOK_URL: publicUrl,
        NEMO_APPROVAL_WEBHOOK_HOST: '127.0.0.1',
      },
      secrets: {
        get: (name: string) => (name === 'twilio' ? JSON.stringify(TWILIO) : undefined),
        names: () => ['twilio'],
      },
      ledgerPool: stack.pool,
      temporal: stack.client,
      logger: createLogger({ name: 'webhook-takeover', level: 'silent', pretty: false }),
    } as unknown as WorkerContext;
    const webhook = await startConfiguredApprovalWebhook(ctx);
    atFileEnd(() => webhook.close());
    assert.equal(
      await (await fetch(publicUrl, { method: 'POST' })).text(),
      'old build',
      'the replaced build still answers',
    );

    await new Promise<void>((resolve) => occupant.close(() => resolve()));
    // Any verdict in NEMO's own words shows the new webhook serves (SMS decisions are paused by the test above).
    const answer = await until(
      async () => {
        const a = await stack.twilio
          .deliverInbound(
            publicUrl,
            { from: OPERATOR_PHONE, to: TWILIO.from, body: 'YES 0000' },
            'bm90IGEgcmVhbCBzaWduYXR1cmU=',
          )
          .catch(() => undefined);
        return a?.status === 403 ? a : undefined;
      },
      'the new webhook to take the port',
      20_000,
      500,
    );
    assert.equal(answer.body, twiml('This request could not be verified.'));
  });
});
