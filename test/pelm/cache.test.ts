import { describe, expect, it } from 'vitest';

import { createCachingSource, type CachingSourceOptions } from '../../src/pelm/cache.js';
import { PelmError } from '../../src/pelm/errors.js';
import type { PelmCallOptions, StaleRead } from '../../src/pelm/source.js';
import { createTokenHasher } from '../../src/token-hash.js';
import { accountFor, CountingSource, held } from '../helpers/counting-source.js';

const BOB = 'sandbox-bob';
const ALICE = 'sandbox-alice-sce';

/** A cache over a counting source, on a clock the test moves by hand. */
function setUp(options: CachingSourceOptions = {}) {
  const source = new CountingSource();
  const clock = { nowMs: Date.parse('2025-03-01T12:00:00Z') };
  const cache = createCachingSource(source, {
    now: () => clock.nowMs,
    tokenHasher: createTokenHasher('test-secret-0123456789'),
    ...options,
  });

  return { source, clock, cache };
}

function staleCollector(): { call: (token: string) => PelmCallOptions; seen: StaleRead[] } {
  const seen: StaleRead[] = [];

  return { seen, call: (token) => ({ token, onStale: (read) => seen.push(read) }) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

const unavailable = () =>
  new PelmError('DATA_UNAVAILABLE', 'still syncing', {
    status: 500,
    upstreamCode: 'data_unavailable',
    retryAfterSeconds: 15,
  });
const outage = () =>
  new PelmError('UPSTREAM_ERROR', 'down', { status: 503, transient: true, upstreamFault: true });

describe('cross-request cache', () => {
  it('answers a repeated read within its freshness without calling Pelm', async () => {
    const { source, clock, cache } = setUp({ accountsTtlMs: 60_000 });
    const first = await cache.getAccounts({ token: BOB });
    clock.nowMs += 59_000;
    const second = await cache.getAccounts({ token: BOB });

    expect(second).toBe(first);
    expect(source.count()).toBe(1);
  });

  it('asks Pelm again once the freshness has run out', async () => {
    const { source, clock, cache } = setUp({
      accountsTtlMs: 60_000,
      staleWhileRevalidateMs: 0,
      staleIfErrorMs: 0,
    });
    await cache.getAccounts({ token: BOB });
    clock.nowMs += 60_000;
    await cache.getAccounts({ token: BOB });

    expect(source.count()).toBe(2);
  });

  it('keys entries by a keyed hash of the token, never the token itself', async () => {
    const { cache } = setUp();
    await cache.getAccounts({ token: BOB });
    await cache.getAccounts({ token: ALICE });
    const keys = cache.keys();

    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).not.toContain('sandbox');
      expect(key).toMatch(/^[0-9a-f]{32}:\["accounts",null\]$/);
    }
  });

  it('gives each token its own entry for the same read', async () => {
    const { source, cache } = setUp();
    const bob = await cache.getAccounts({ token: BOB });
    const alice = await cache.getAccounts({ token: ALICE });
    const bobAgain = await cache.getAccounts({ token: BOB });

    expect(bob).toEqual([accountFor(BOB)]);
    expect(alice).toEqual([accountFor(ALICE)]);
    expect(bobAgain).toBe(bob);
    expect(source.calls.map((call) => call.token)).toEqual([BOB, ALICE]);
  });

  it('keeps closed interval windows longer than recent ones', async () => {
    const { source, clock, cache } = setUp({
      recentIntervalsTtlMs: 1_000,
      closedIntervalsTtlMs: 100_000,
      staleWhileRevalidateMs: 0,
    });
    const nowSeconds = clock.nowMs / 1_000;
    const closed = { accountId: 'a', type: 'ELECTRIC' as const, startDate: 0, endDate: 86_400 };
    const recent = {
      accountId: 'a',
      type: 'ELECTRIC' as const,
      startDate: nowSeconds - 86_400,
      endDate: nowSeconds,
    };
    await cache.getIntervals({ token: BOB }, closed);
    await cache.getIntervals({ token: BOB }, recent);
    clock.nowMs += 5_000;
    await cache.getIntervals({ token: BOB }, closed);
    await cache.getIntervals({ token: BOB }, recent);

    expect(source.count('getIntervals')).toBe(3);
  });
});

describe('in-flight sharing across requests', () => {
  it('turns concurrent identical reads of one token into one upstream call', async () => {
    const { source, cache } = setUp();
    source.answer = (call) => held([accountFor(call.token)], 30, call.signal);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => cache.getAccounts({ token: BOB })),
    );

    expect(source.count()).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('never shares a call between two tokens', async () => {
    const { source, cache } = setUp();
    source.answer = (call) => held([accountFor(call.token)], 30, call.signal);
    const [bob, alice] = await Promise.all([
      cache.getAccounts({ token: BOB }),
      cache.getAccounts({ token: ALICE }),
    ]);

    expect(source.count()).toBe(2);
    expect(bob).toEqual([accountFor(BOB)]);
    expect(alice).toEqual([accountFor(ALICE)]);
  });

  it('keeps the shared call going when one caller leaves, and cancels it when all do', async () => {
    const { source, cache } = setUp();
    source.answer = (call) => held([accountFor(call.token)], 200, call.signal);
    const leaving = new AbortController();
    const staying = new AbortController();
    const first = cache.getAccounts({ token: BOB, signal: leaving.signal });
    const second = cache.getAccounts({ token: BOB, signal: staying.signal });
    leaving.abort(new Error('first left'));

    expect(await rejection(first)).toEqual(new Error('first left'));
    expect(source.calls[0]?.signal?.aborted).toBe(false);
    await expect(second).resolves.toEqual([accountFor(BOB)]);

    const alone = new AbortController();
    cache.clear();
    const third = cache.getAccounts({ token: BOB, signal: alone.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    alone.abort(new Error('last left'));

    expect(await rejection(third)).toEqual(new Error('last left'));
    expect(source.calls[1]?.signal?.aborted).toBe(true);
    expect(cache.inFlight()).toBe(0);
  });
});

describe('failures are not remembered', () => {
  it('keeps no entry for a failed call and asks Pelm again next time', async () => {
    const { source, cache } = setUp();
    source.answer = () => {
      throw outage();
    };

    await rejection(cache.getAccounts({ token: BOB }));

    expect(cache.keys()).toEqual([]);
    source.answer = (call) => [accountFor(call.token)];
    await expect(cache.getAccounts({ token: BOB })).resolves.toEqual([accountFor(BOB)]);
    expect(source.count()).toBe(2);
  });

  it('repeats data_unavailable for its short TTL only', async () => {
    const { source, clock, cache } = setUp({ notReadyTtlMs: 1_000 });
    source.answer = () => {
      throw unavailable();
    };

    const first = await rejection(cache.getBills({ token: BOB }));
    clock.nowMs += 999;
    const repeated = await rejection(cache.getBills({ token: BOB }));

    expect(repeated).toBe(first);
    expect(source.count()).toBe(1);
    expect(cache.peek(BOB, 'bills')?.kind).toBe('not-ready');

    clock.nowMs += 1;
    source.answer = () => new Map();
    await expect(cache.getBills({ token: BOB })).resolves.toEqual(new Map());
    expect(source.count()).toBe(2);
  });

  it('keeps no data_unavailable marker when its TTL is 0', async () => {
    const { source, cache } = setUp({ notReadyTtlMs: 0 });
    source.answer = () => {
      throw unavailable();
    };

    await rejection(cache.getBills({ token: BOB }));
    await rejection(cache.getBills({ token: BOB }));

    expect(cache.keys()).toEqual([]);
    expect(source.count()).toBe(2);
  });

  it('serves a bills answer with a malformed group once, without keeping it', async () => {
    const { source, cache } = setUp();
    source.answer = () => new Map<string, unknown>([['a', new Error('bad group')]]);
    await cache.getBills({ token: BOB });
    await cache.getBills({ token: BOB });

    expect(source.count()).toBe(2);
    expect(cache.keys()).toEqual([]);
  });

  it('skips data and markers for no-cache reads but stores their answer', async () => {
    const { source, cache } = setUp();
    source.answer = () => {
      throw unavailable();
    };

    await rejection(cache.getBills({ token: BOB }));
    source.answer = () => new Map([['a', []]]);
    const fresh = await cache.getBills({ token: BOB, freshness: 'no-cache' });
    const cached = await cache.getBills({ token: BOB });
    await cache.getBills({ token: BOB, freshness: 'no-cache' });

    expect(cached).toBe(fresh);
    expect(source.count()).toBe(3);
  });
});

describe('stale answers', () => {
  it('serves an expired answer while one refresh runs, and says so', async () => {
    const { source, clock, cache } = setUp({ accountsTtlMs: 10_000 });
    const stale = staleCollector();
    const old = await cache.getAccounts({ token: BOB });
    clock.nowMs += 15_000;
    source.answer = (call) => held([accountFor(`${call.token}-v2`)], 50, call.signal);
    const served = await Promise.all([1, 2, 3].map(() => cache.getAccounts(stale.call(BOB))));

    expect(served).toEqual([old, old, old]);
    expect(stale.seen).toEqual(
      [1, 2, 3].map(() => ({
        resource: 'accounts',
        ageMs: 15_000,
        reason: 'REVALIDATING',
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.getAccounts({ token: BOB })).toEqual([accountFor(`${BOB}-v2`)]);
    expect(source.count()).toBe(2);
  });

  it('serves the last good answer when Pelm fails, within the bound, and says so', async () => {
    const { source, clock, cache } = setUp({
      accountsTtlMs: 10_000,
      staleWhileRevalidateMs: 0,
      staleIfErrorMs: 60_000,
    });
    const stale = staleCollector();
    const good = await cache.getAccounts({ token: BOB });
    source.answer = () => {
      throw outage();
    };

    clock.nowMs += 70_000;
    const served = await cache.getAccounts(stale.call(BOB));
    clock.nowMs += 1;
    const tooOld = await rejection(cache.getAccounts(stale.call(BOB)));

    expect(served).toBe(good);
    expect(stale.seen).toEqual([{ resource: 'accounts', ageMs: 70_000, reason: 'UPSTREAM_ERROR' }]);
    expect(tooOld).toMatchObject({ code: 'UPSTREAM_ERROR' });
  });

  it.each([
    ['UNAUTHENTICATED', new PelmError('UNAUTHENTICATED', 'revoked', { status: 401 })],
    ['FORBIDDEN', new PelmError('FORBIDDEN', 'not yours', { status: 403 })],
  ])('never stands in with old data for %s', async (code, failure) => {
    const { source, clock, cache } = setUp({ accountsTtlMs: 1_000, staleWhileRevalidateMs: 0 });
    await cache.getAccounts({ token: BOB });
    source.answer = () => {
      throw failure;
    };

    clock.nowMs += 2_000;

    expect(await rejection(cache.getAccounts({ token: BOB }))).toMatchObject({ code });
  });

  it('never serves stale data to a no-cache read', async () => {
    const { source, clock, cache } = setUp({ accountsTtlMs: 1_000 });
    await cache.getAccounts({ token: BOB });
    source.answer = () => {
      throw unavailable();
    };

    clock.nowMs += 2_000;

    expect(await rejection(cache.getAccounts({ token: BOB, freshness: 'no-cache' }))).toMatchObject(
      { code: 'DATA_UNAVAILABLE' },
    );
  });
});

describe('bounds', () => {
  it('holds at most maxEntries entries', async () => {
    const { cache } = setUp({ maxEntries: 10 });
    for (let index = 0; index < 50; index += 1) {
      await cache.getAccounts({ token: `token-${index}` });
    }

    expect(cache.usage().entries).toBe(10);
  });

  it('keeps the estimated bytes under maxBytes, evicting the oldest first', async () => {
    const { cache } = setUp({ maxBytes: 20_000 });
    for (let index = 0; index < 200; index += 1) {
      await cache.getAccounts({ token: `token-${index}` });
    }

    expect(cache.usage().bytes).toBeLessThanOrEqual(20_000);
    expect(cache.usage().entries).toBeGreaterThan(5);
    expect(cache.peek('token-199', 'accounts')).toBeDefined();
    expect(cache.peek('token-0', 'accounts')).toBeUndefined();
  });

  it('refuses bad options, naming them', () => {
    expect(() => setUp({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => setUp({ billsTtlMs: -1 })).toThrow(/billsTtlMs/);
  });
});
