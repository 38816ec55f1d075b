import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PriceHistoryCache } from '../../activities/research/price-history-cache';
import type { PriceBar, PriceHistoryWindow, VenuePort } from '../../activities/venues/venue-port';
import { startTestVenues } from '../support/loopback-venues';

const HOUR = 3_600_000;
const windowAt = (now: number): PriceHistoryWindow => ({
  from: new Date(now - 48 * HOUR).toISOString(),
  to: new Date(now).toISOString(),
  interval: '1h',
});

/** Market by market, so a difference is shown as one market's bars. */
function assertSameHistories(actual: Map<string, PriceBar[]>, expected: Map<string, PriceBar[]>): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [market, bars] of expected) assert.deepEqual(actual.get(market), bars, market);
}

/**
 * A research worker keeps the bars it has read and asks the venue only from the last one it holds (issue 15 E: the
 * scan every 15 minutes reads a bar or two per market, not 48). Through the real Kalshi adapter over HTTP; each read
 * is compared with one read of the whole window.
 */
describe('price history cache: each market read from the last bar held', () => {
  let venues: Awaited<ReturnType<typeof startTestVenues>>;
  let kalshi: VenuePort;
  before(async () => {
    venues = await startTestVenues({ kalshiMarkets: 300 });
    kalshi = venues.portsFor('research').kalshi!;
  });

  it('gives what a read of the whole window gives, asking from the last bar held, or the window for a new market', async () => {
    const markets = (await kalshi.listMarkets({ status: 'open' })).map((m) => m.market);
    const [seen, unseen] = [markets.slice(0, 100), markets.slice(100, 150)];
    const asked: string[] = [];
    const recorded: Pick<VenuePort, 'getPriceHistories'> = {
      getPriceHistories: (tickers, window) => {
        asked.push(window.from);
        return kalshi.getPriceHistories(tickers, window);
      },
    };
    const cache = new PriceHistoryCache();
    const t0 = Date.now();
    const first = await cache.read(recorded, seen, windowAt(t0));
    assertSameHistories(first, await kalshi.getPriceHistories(seen, windowAt(t0)));
    assert.equal(asked[0], windowAt(t0).from, 'nothing held: the whole window');
    const lastHeld = first.get(seen[0]!)!.at(-1)!.start;
    assert.ok(first.get(seen[0]!)!.length >= 47, 'two days of hourly bars');

    // Three hours later, on the venue's clock and NEMO's: three new bars, and the oldest three out of the window.
    await venues.control.kalshi.production.advanceClock(3 * HOUR);
    const t1 = t0 + 3 * HOUR;
    const later = await cache.read(recorded, seen, windowAt(t1));
    assertSameHistories(later, await kalshi.getPriceHistories(seen, windowAt(t1)));
    assert.equal(asked[1], lastHeld, 'asked from the last bar held, which is read again');
    assert.notDeepEqual(later.get(seen[0]!), first.get(seen[0]!));
    // What a caller does with the bars it was given does not change what the worker holds.
    const given = later.get(seen[0]!)!;
    given[1] = { ...given[1]!, close: '0.0001' };
    assertSameHistories(
      await cache.read(recorded, seen, windowAt(t1)),
      await kalshi.getPriceHistories(seen, windowAt(t1)),
    );

    // A batch with markets never read asks the whole window for all of it.
    const mixed = [...seen.slice(0, 50), ...unseen];
    assertSameHistories(
      await cache.read(recorded, mixed, windowAt(t1)),
      await kalshi.getPriceHistories(mixed, windowAt(t1)),
    );
    assert.equal(asked[3], windowAt(t1).from);
  });
});
