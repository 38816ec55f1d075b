import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');

// issue 18 E: `nemo ... | head` crashed with EPIPE once the reader had gone.
describe('nemo into a pipe that closes early', () => {
  it("ends quietly with the command's exit code", () => {
    // `true` exits before nemo writes a byte, so every write meets a closed pipe.
    const result = spawnSync(
      'bash',
      ['-o', 'pipefail', '-c', `${process.execPath} --import tsx cli/nemo.ts help | true`],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.doesNotMatch(result.stderr, /EPIPE|Error/);
    assert.equal(result.status, 0, result.stderr);
  });
});
