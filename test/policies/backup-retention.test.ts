import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { selectBackupsToKeep, type BackupRef } from '../../policies/backup-retention';

const HOUR = 3600_000;
const at = (hoursAgo: number, now = Date.parse('2026-11-24T12:00:00Z')) =>
  new Date(now - hoursAgo * HOUR).toISOString();

describe('backup retention', () => {
  it('keeps the newest hourly copies, the newest of each recent day and of each recent week', () => {
    // One backup an hour for 30 days.
    const backups: BackupRef[] = Array.from({ length: 30 * 24 }, (_, h) => ({ name: `b${h}`, takenAt: at(h) }));
    const { keep, remove } = selectBackupsToKeep(backups, { hourly: 24, daily: 7, weekly: 4 });
    assert.equal(keep.length + remove.length, backups.length);
    assert.ok(
      keep.some((b) => b.name === 'b0'),
      'the newest is kept',
    );
    for (let h = 0; h < 24; h++)
      assert.ok(
        keep.some((b) => b.name === `b${h}`),
        `hourly copy ${h}`,
      );
    const days = new Set(keep.map((b) => b.takenAt.slice(0, 10)));
    assert.ok(days.size >= 7, 'a copy of each of the last 7 days');
    assert.ok(keep.length <= 24 + 7 + 4);
    assert.ok(
      keep.some((b) => Date.parse(at(0)) - Date.parse(b.takenAt) > 14 * 24 * HOUR),
      'a weekly copy reaches back beyond the daily ones',
    );
  });

  it('never removes the newest backup and never keeps more than the policy allows', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 }),
        fc.record({
          hourly: fc.integer({ min: 1, max: 30 }),
          daily: fc.integer({ min: 0, max: 10 }),
          weekly: fc.integer({ min: 0, max: 8 }),
        }),
        (hoursAgo, policy) => {
          const backups = hoursAgo.map((h) => ({ name: `b${h}`, takenAt: at(h) }));
          const { keep, remove } = selectBackupsToKeep(backups, policy);
          const newest = `b${Math.min(...hoursAgo)}`;
          assert.ok(keep.some((b) => b.name === newest));
          assert.ok(!remove.some((b) => b.name === newest));
          assert.ok(keep.length <= policy.hourly + policy.daily + policy.weekly);
          assert.equal(new Set([...keep, ...remove].map((b) => b.name)).size, backups.length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
