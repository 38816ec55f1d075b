import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CliIO } from '../../cli/command';
import { runCli } from '../../cli/nemo';
import { findApproval, type ApprovalRow } from '../../platform/approvals/approvals-store';
import { readEntries } from '../../ledger/ledger-store';
import { OPERATOR_PHONE, startApprovalStack, type ApprovalStack } from '../support/approval-stack';
import { operatorDecision, pendingApproval, type ApprovalOutcome } from '../../contracts/approvals';

const request = (subject: string) => ({
  kind: 'live-trade' as const,
  subject,
  summary: `First live trade of momentum-v2 on ${subject}`,
  details: {
    what: 'buy 40 YES at $0.62',
    why: 'paper record: 112 trades, 61% wins, +$84 after fees',
    limits: { maxUsd: 25, maxExposureFraction: 0.1 },
  },
});

function capture(): CliIO & { text(): string } {
  const lines: string[] = [];
  return { out: (l) => lines.push(l), err: (l) => lines.push(l), text: () => lines.join('\n') };
}

describe('operator approvals end to end on the real Temporal server', () => {
  let stack: ApprovalStack;
  const nemo = async (...args: string[]) => {
    const io = capture();
    const code = await runCli(args, io, stack.env);
    return { code, text: io.text() };
  };
  const result = (workflowId: string) =>
    stack.client.workflow.getHandle(workflowId).result() as Promise<ApprovalOutcome>;

  before(async () => {
    stack = await startApprovalStack();
  });

  it('lists a pending request with what, why, limits and expiry, and texts the operator its code', async () => {
    const { approval } = await stack.startProbe('listed', request('KXBTC-LISTED'), '10m');
    const listed = await nemo('approvals');
    assert.equal(listed.code, 0);
    assert.match(
      listed.text,
      new RegExp(`#${approval.id}  live-trade  KXBTC-LISTED  \\(expires \\S+, in (9|10) min\\)`),
    );
    assert.match(listed.text, /what:   buy 40 YES at \$0\.62/);
    assert.match(listed.text, /why:    paper record: 112 trades/);
    assert.match(listed.text, /limits: \{"maxUsd":25,"maxExposureFraction":0\.1\}/);
    const json = JSON.parse((await nemo('approvals', '--json')).text) as ApprovalRow[];
    assert.equal(json.find((a) => a.id === approval.id)!.details.what, 'buy 40 YES at $0.62');
    const sms = stack.twilio.messages.find((m) => m.body.includes(`Approval #${approval.id} needed`))!;
    assert.equal(sms.to, OPERATOR_PHONE);
    assert.match(
      sms.body,
      new RegExp(`Reply YES ${approval.code} to approve or NO ${approval.code} <reason> to reject`),
    );
  });

  it('approve: the CLI records the operator, the workflow confirms, the ledger holds request and decision', async () => {
    const { workflowId, approval } = await stack.startProbe('approve', request('KXBTC-APPROVE'), '10m');
    const approved = await nemo('approve', String(approval.id));
    assert.equal(approved.code, 0, approved.text);
    assert.match(
      approved.text,
      new RegExp(
        `approved #${approval.id} \\(live-trade: KXBTC-APPROVE\\) by ops-test; workflow ${workflowId} confirmed the decision`,
      ),
    );
    assert.deepEqual(await result(workflowId), { outcome: 'approved', by: 'ops-test' });
    const row = (await findApproval(stack.pool, approval.id))!;
    assert.deepEqual([row.status, row.decidedBy, row.channel], ['approved', 'ops-test', 'cli']);
    const decided = (await readEntries(stack.pool, { kind: 'approval.decided' })).find(
      (e) => e.payload.approvalId === approval.id,
    )!;
    assert.deepEqual(
      [decided.payload.outcome, decided.payload.by, decided.payload.channel],
      ['approved', 'ops-test', 'cli'],
    );
    assert.ok(
      (await readEntries(stack.pool, { kind: 'approval.requested' })).some((e) => e.payload.approvalId === approval.id),
    );

    const again = await nemo('approve', String(approval.id));
    assert.equal(again.code, 1);
    assert.match(
      again.text,
      new RegExp(
        `refused: approval #${approval.id} \\(live-trade: KXBTC-APPROVE\\) was already approved by ops-test via cli at `,
      ),
    );
  });

  it('reject: needs a reason, and the workflow gets it', async () => {
    const { workflowId, approval } = await stack.startProbe('reject', request('KXBTC-REJECT'), '10m');
    const noReason = await nemo('reject', String(approval.id));
    assert.equal(noReason.code, 2);
    assert.match(noReason.text, /--reason TEXT is required/);
    const rejected = await nemo('reject', String(approval.id), '--reason', 'spread too wide today');
    assert.equal(rejected.code, 0, rejected.text);
    assert.match(
      rejected.text,
      new RegExp(`rejected #${approval.id} .* by ops-test; workflow ${workflowId} confirmed`),
    );
    assert.deepEqual(await result(workflowId), {
      outcome: 'rejected',
      by: 'ops-test',
      reason: 'spread too wide today',
    });
  });

  it('expiry: the workflow records it, and the CLI then refuses the stale request', async () => {
    const { workflowId, approval } = await stack.startProbe('expire', request('KXBTC-EXPIRE'), '3s');
    assert.deepEqual(await result(workflowId), {
      outcome: 'expired',
      by: 'nemo',
      reason: 'no decision before the request expired',
    });
    const row = (await findApproval(stack.pool, approval.id))!;
    assert.deepEqual([row.status, row.channel], ['expired', 'timeout']);
    const late = await nemo('approve', String(approval.id));
    assert.equal(late.code, 1);
    assert.match(
      late.text,
      new RegExp(
        `refused: approval #${approval.id} \\(live-trade: KXBTC-EXPIRE\\) expired at \\S+; nothing was decided`,
      ),
    );
  });

  it('refuses an unknown id and a malformed one with a clear message', async () => {
    const unknown = await nemo('approve', '999999');
    assert.equal(unknown.code, 1);
    assert.match(unknown.text, /refused: there is no approval request #999999/);
    const malformed = await nemo('approve', 'abc');
    assert.equal(malformed.code, 2);
    assert.match(malformed.text, /give exactly one approval id/);
  });

  it('ignores a decision signalled straight through Temporal, records it as a security event, then takes the real one', async () => {
    const { workflowId, approval } = await stack.startProbe('forged', request('KXBTC-FORGED'), '10m');
    const handle = stack.client.workflow.getHandle(workflowId);
    await handle.signal(operatorDecision, { approvalId: approval.id, approve: true, by: 'mallory', channel: 'cli' });
    const deadline = Date.now() + 20_000;
    let event;
    while (!event && Date.now() < deadline) {
      event = (await readEntries(stack.pool, { kind: 'security.unverified-approval-signal' })).find(
        (e) => e.payload.approvalId === approval.id,
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(event, 'the forged signal is a security event');
    assert.deepEqual((event.payload.claimed as { by: string }).by, 'mallory');
    const state = await handle.query(pendingApproval);
    assert.equal(state.pending?.approvalId, approval.id, 'still waiting for a real decision');
    assert.deepEqual(state.decided, []);
    assert.equal((await findApproval(stack.pool, approval.id))!.status, 'pending');

    const approved = await nemo('approve', String(approval.id));
    assert.equal(approved.code, 0, approved.text);
    assert.deepEqual(await result(workflowId), { outcome: 'approved', by: 'ops-test' });
  });
});
