import assert from 'node:assert/strict';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowsModule } from '../../platform/temporal/workflow-bundles';
import { decodeHistory, loadHistoryFixtures } from '../support/histories';

describe('replay of saved workflow histories against the current code', () => {
  const fixtures = loadHistoryFixtures();

  it('has at least one fixture per workflow type the tests ran', () => {
    assert.ok(fixtures.length > 0, 'no history fixtures: workflow tests save them under test/fixtures/histories');
  });

  it('catches a change that breaks determinism (the check can fail)', async () => {
    const heartbeat = fixtures.find((f) => f.workflowType === 'heartbeat');
    assert.ok(heartbeat, 'the heartbeat fixture exists');
    await assert.rejects(
      Worker.runReplayHistory(
        { workflowsPath: path.resolve(__dirname, '..', 'fixtures', 'workflows', 'heartbeat-reordered.ts') },
        decodeHistory(heartbeat),
        heartbeat.workflowId,
      ),
      DeterminismViolationError,
    );
  });

  for (const fixture of fixtures) {
    it(`replays ${fixture.file} (${fixture.domain} domain) without nondeterminism`, async () => {
      await Worker.runReplayHistory(
        { workflowsPath: workflowsModule(fixture.domain), replayName: fixture.file },
        decodeHistory(fixture),
        fixture.workflowId,
      );
    });
  }
});
