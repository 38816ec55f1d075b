/**
 * The workflows' list of errors retrying cannot fix (workflows/activity-options.ts) against the errors the code
 * throws: the venue failures come from their classification, and every other name on the list is an error the code
 * really throws, so a renamed or removed error cannot leave a stale name behind while the new one gets retried.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { VenueError, toActivityFailure } from '../../activities/venues/venue-errors';
import { VENUE_FAILURE_TYPES, type VenueFailureKind } from '../../policies/venue-failures';
import { NON_RETRYABLE_ERRORS } from '../../workflows/activity-options';

const ROOT = path.resolve(__dirname, '..', '..');
const CODE = ['activities', 'ledger', 'platform', 'policies', 'strategies', 'workflows'];

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });

/** Error names the code throws: classes naming themselves, and ApplicationFailure types given as literals. */
function thrownNames(): Set<string> {
  const names = new Set<string>();
  for (const file of CODE.flatMap((folder) => sources(path.join(ROOT, folder)))) {
    const source = readFileSync(file, 'utf8');
    for (const [, name] of source.matchAll(/this\.name = '(\w+)'/g)) names.add(name!);
    // The type is the call's last argument: the last quoted name before the statement ends.
    for (const call of source.split('ApplicationFailure.nonRetryable(').slice(1)) {
      const statement = call.slice(0, call.search(/\);?\n/) + 2);
      const type = [...statement.matchAll(/'(\w+)',?\s*\)/g)].pop()?.[1];
      if (type) names.add(type);
    }
  }
  return names;
}

describe('non-retryable errors', () => {
  it('a venue failure is retried exactly when the workflows do not list its type', () => {
    for (const kind of Object.keys(VENUE_FAILURE_TYPES) as VenueFailureKind[]) {
      const failure = toActivityFailure(new VenueError('kalshi', 'getMarket', kind, 'refused'));
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, VENUE_FAILURE_TYPES[kind]);
      assert.equal(NON_RETRYABLE_ERRORS.includes(failure.type!), failure.nonRetryable, `${kind} (${failure.type})`);
    }
  });

  it('every other listed name is an error the code throws', () => {
    const thrown = thrownNames();
    const venueTypes = new Set(Object.values(VENUE_FAILURE_TYPES));
    const stale = NON_RETRYABLE_ERRORS.filter((name) => !venueTypes.has(name) && !thrown.has(name));
    assert.deepEqual(stale, [], 'these names are thrown nowhere: remove them, or list the name the error has now');
  });
});
