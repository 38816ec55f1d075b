import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { gatherStatus, statusCommand } from '../../cli/commands/status';
import { nemoHome } from '../../platform/nemo-home';
import { riskPolicyFrom } from '../../platform/risk-config';
import { TASK_QUEUES } from '../../policies/domains';
import { guardianWorkflowId } from '../../contracts/guardian';
import { startOpsStack, type OpsStack } from '../support/ops-stack';
import { stackFile, type StackDescription } from '../../platform/stack-description';

describe('nemo status never hides an account (real Temporal, PostgreSQL, live worker; no paper worker)', () => {
  let stack: OpsStack;
  const startedAt = new Date(Date.now() - 90_000).toISOString();
  before(async () => {
    stack = await startOpsStack({ guardians: [{ domain: 'live', venue: 'kalshi' }] });
    // The running stack as `nemo up` describes it (this process stands in for it): when it started.
    const home = nemoHome(stack.config.NEMO_HOME);
    const description: StackDescription = {
      pid: process.pid,
      startedAt,
      temporalAddress: stack.config.TEMPORAL_ADDRESS!,
      namespace: stack.config.TEMPORAL_NAMESPACE,
      database: 'test',
      ownsTemporalServer: false,
      workers: ['live', 'control'],
      venues: 'SIMULATED',
    };
    mkdirSync(home.run, { recursive: true });
    writeFileSync(stackFile(home), JSON.stringify(description));
    // A paper guardian whose worker is down: its workflow runs, but nothing answers its queries.
    await stack.client.workflow.start('paperPortfolioGuardian', {
      taskQueue: TASK_QUEUES.paper,
      workflowId: guardianWorkflowId('paper', 'kalshi'),
      args: [{ domain: 'paper', venue: 'kalshi', policy: riskPolicyFrom(stack.config), markEvery: '2s' }],
    });
  });
  after(async () => {
    await stack.client.workflow
      .getHandle(guardianWorkflowId('paper', 'kalshi'))
      .terminate('test over')
      .catch(() => undefined);
  });

  it('shows every answering account and names the one that does not answer, with workers from their pollers', async () => {
    const status = await gatherStatus(stack.config);
    const byAccount = Object.fromEntries(status.accounts.map((a) => [a.account, a]));
    assert.equal(
      byAccount['live:kalshi']?.state,
      'ACTIVE',
      'the live account is shown although the paper guardian hangs',
    );
    const paper = byAccount['paper:kalshi'];
    assert.ok(paper && 'error' in paper, 'the paper account is listed as unreachable, not dropped');
    assert.equal(paper.state, 'UNREACHABLE');
    assert.deepEqual(
      [paper.since, paper.neverPolled],
      [startedAt, true],
      'a worker Temporal never listed is unreachable since the stack started',
    );
    const workers = Object.fromEntries(status.workers.map((w) => [w.domain, w.polling]));
    assert.deepEqual([workers.control, workers.live, workers.paper, workers.research], [true, true, false, false]);

    const lines: string[] = [];
    await statusCommand.run({
      positionals: [],
      values: {},
      io: { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      env: {
        ...process.env,
        NEMO_HOME: stack.config.NEMO_HOME,
        DATABASE_URL: stack.config.DATABASE_URL,
        TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: stack.config.TEMPORAL_NAMESPACE,
      },
    });
    console.log(lines.join('\n'));
    assert.ok(lines.some((l) => /Account\s+live:kalshi\s+ACTIVE/.test(l)));
    assert.ok(
      lines.some((l) =>
        l.endsWith(
          `paper:kalshi    unreachable since ${startedAt} (its worker never polled since the stack started): its guardian did not answer within 1.5 s (its worker is down: \`nemo worker restart paper\`)`,
        ),
      ),
    );
    assert.ok(lines.some((l) => /Workers .*paper DOWN \(never polled since the stack started \d+s ago\)/.test(l)));
  });
});
