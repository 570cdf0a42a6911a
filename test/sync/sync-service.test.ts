import { afterEach, describe, expect, it } from 'vitest';

import { createSilentLogger } from '../../src/logger.js';
import { PelmError } from '../../src/pelm/errors.js';
import type { PelmCallOptions, PelmSource } from '../../src/pelm/source.js';
import type { PelmAccount } from '../../src/pelm/types.js';
import { pollDelayMs } from '../../src/sync/backoff.js';
import type { SyncLock } from '../../src/sync/lock.js';
import { createMemorySyncBus, type SyncBus } from '../../src/sync/pubsub.js';
import { SyncService, type SyncServiceOptions } from '../../src/sync/sync-service.js';
import type { SyncEvent } from '../../src/sync/watcher.js';
import { createTokenHasher } from '../../src/token-hash.js';
import { delay, eventually } from '../helpers/sync-stack.js';

const ACCOUNT: PelmAccount = {
  id: 'acc-1',
  accountNumber: '1',
  address: '1 MAIN ST',
  availableMeterTypes: ['ELECTRIC'],
  usageUnit: 'kwh',
  gasUsageUnit: null,
  ghgEmissionsUnit: null,
  meters: [],
};

/** An in-memory Pelm whose user is syncing until `ready` is set; it records every call. */
class SyncingSource implements PelmSource {
  ready = false;
  calls: Array<{ method: string; call: PelmCallOptions }> = [];

  #answer<T>(method: string, call: PelmCallOptions, value: T): Promise<T> {
    this.calls.push({ method, call });
    if (!this.ready) {
      return Promise.reject(new PelmError('DATA_UNAVAILABLE', 'still loading'));
    }

    return Promise.resolve(value);
  }

  getAccounts(call: PelmCallOptions) {
    return this.#answer('getAccounts', call, [ACCOUNT]);
  }

  getBills(call: PelmCallOptions) {
    return this.#answer('getBills', call, new Map([['acc-1', []]]));
  }

  getIntervals(call: PelmCallOptions) {
    return this.#answer('getIntervals', call, {
      utility: null,
      type: 'ELECTRIC' as const,
      account: null,
      intervals: [],
    });
  }

  getUser(call: PelmCallOptions, userId: string) {
    this.calls.push({ method: 'getUser', call });

    return Promise.resolve({
      id: userId,
      utility: null,
      utilityUsername: null,
      credentialsValid: true,
    });
  }
}

const POLL_MS = 50;
const services: SyncService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

function service(source: PelmSource, options: Partial<SyncServiceOptions> = {}): SyncService {
  const created = new SyncService({
    source,
    logger: createSilentLogger(),
    pollMinMs: POLL_MS,
    pollMaxMs: POLL_MS,
    pollJitter: 0,
    ...options,
  });
  services.push(created);

  return created;
}

/** Starts consuming an iterator in the background, keeping what it yields. */
function drain(iterator: AsyncIterableIterator<SyncEvent>) {
  const events: SyncEvent[] = [];
  const done = (async () => {
    for await (const event of iterator) {
      events.push(event);
    }
  })();

  return { events, done, stop: () => iterator.return?.() };
}

describe('one sync watcher per user', () => {
  it('runs one poll loop for a hundred subscriptions of one token and stops when they leave', async () => {
    const source = new SyncingSource();
    const sync = service(source);
    const subscriptions = Array.from({ length: 100 }, () => drain(sync.subscribe('token-a')));
    await delay(10 * POLL_MS);

    expect(sync.stats()).toEqual({ watchers: 1, leading: 1, subscribers: 100 });
    // Ten intervals: at most eleven probes of one loop, one call each while accounts sync (a
    // busy machine may fire fewer; a second loop would make more).
    expect(source.calls.length).toBeGreaterThanOrEqual(3);
    expect(source.calls.length).toBeLessThanOrEqual(11);

    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    const calls = source.calls.length;
    await delay(3 * POLL_MS);

    expect(source.calls.length).toBe(calls);
    expect(sync.stats()).toEqual({ watchers: 0, leading: 0, subscribers: 0 });
  });

  it('asks for fresh data on every probe and every event payload', async () => {
    const source = new SyncingSource();
    const sync = service(source);
    const subscription = drain(sync.subscribe('token-a', { userId: 'me' }));
    await delay(3 * POLL_MS);
    source.ready = true;
    await subscription.done;
    const [event] = subscription.events;
    if (event?.kind !== 'ready') {
      throw new Error(`expected a ready event, got ${JSON.stringify(event)}`);
    }

    await event.loaders().billGroups();

    expect(source.calls.length).toBeGreaterThan(4);
    expect(source.calls.map(({ call }) => call.freshness)).toEqual(
      source.calls.map(() => 'no-cache'),
    );
  });

  it('starts nothing for an iterator that is never read', async () => {
    const source = new SyncingSource();
    const sync = service(source);
    const iterator = sync.subscribe('token-a');
    await delay(2 * POLL_MS);

    expect(source.calls).toEqual([]);
    expect(sync.stats().watchers).toBe(0);
    await iterator.return?.();
  });

  it('ends at once and starts nothing when the client left before the subscription started', async () => {
    const source = new SyncingSource();
    const sync = service(source);
    const gone = new AbortController();
    gone.abort();
    const subscription = drain(sync.subscribe('token-a', { signal: gone.signal }));
    await subscription.done;

    expect(subscription.events).toEqual([]);
    expect(source.calls).toEqual([]);
    expect(sync.stats().watchers).toBe(0);
  });

  it('never polls when the client leaves while the poll-loop lock is being taken', async () => {
    const source = new SyncingSource();
    let releases = 0;
    let grant: (value: boolean) => void = () => undefined;
    const slowLock: SyncLock = {
      shared: true,
      acquire: () =>
        new Promise<boolean>((resolve) => {
          grant = resolve;
        }),
      renew: () => Promise.resolve(true),
      release: () => {
        releases += 1;

        return Promise.resolve();
      },
    };
    const bus: SyncBus = { ...createMemorySyncBus(), lock: slowLock };
    const sync = service(source, { bus });
    const left = new AbortController();
    const subscription = drain(sync.subscribe('token-a', { signal: left.signal }));
    await delay(10);
    left.abort();
    await subscription.done;
    grant(true);
    await delay(3 * POLL_MS);

    expect(source.calls).toEqual([]);
    expect(releases).toBe(1);
    expect(sync.stats()).toEqual({ watchers: 0, leading: 0, subscribers: 0 });
  });

  it('answers a status query from the running watcher instead of probing again', async () => {
    const source = new SyncingSource();
    const sync = service(source, { pollMinMs: 60_000, pollMaxMs: 60_000 });
    const subscription = drain(sync.subscribe('token-a'));
    expect(await eventually(() => source.calls.length === 1, 1_000)).toBe(true);

    expect(await sync.status('token-a')).toMatchObject({ ready: false, accounts: 'SYNCING' });
    expect(source.calls).toHaveLength(1);
    await subscription.stop();
  });

  it('lets no status query call Pelm while its Retry-After runs', async () => {
    const source = new SyncingSource();
    const throttled = new PelmError('RATE_LIMITED', 'slow down', { retryAfterSeconds: 60 });
    source.getAccounts = (call) => {
      source.calls.push({ method: 'getAccounts', call });

      return Promise.reject(throttled);
    };

    const sync = service(source);
    const subscription = drain(sync.subscribe('token-a'));
    expect(await eventually(() => source.calls.length === 1, 1_000)).toBe(true);
    await delay(3 * POLL_MS);

    await expect(sync.status('token-a')).rejects.toBe(throttled);
    expect(source.calls).toHaveLength(1);
    await subscription.stop();
  });

  it('polls between the configured bounds, doubling, with jitter spread around the doubled pause', () => {
    const backoff = { minMs: 1_000, maxMs: 30_000, jitter: 0.5 };
    const middle = () => 0.5;

    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => pollDelayMs(attempt, backoff, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(pollDelayMs(2, backoff, () => 0)).toBe(3_000);
    expect(pollDelayMs(2, backoff, () => 0.999_999)).toBe(5_000);
    expect(pollDelayMs(0, backoff, () => 0)).toBe(1_000);
    expect(pollDelayMs(9, backoff, () => 0.999_999)).toBe(30_000);
  });
});

describe('sync watchers sharing a bus', () => {
  it('runs one poll loop for two instances and tells the subscribers of both', async () => {
    const source = new SyncingSource();
    // Instances meet on the same names only with the same hashing secret (TOKEN_HASH_SECRET).
    const shared = { bus: createMemorySyncBus({ sharedLock: true }), lockTtlMs: 300 };
    const hashToken = createTokenHasher('one-secret-for-all-instances');
    const first = service(source, { ...shared, hashToken });
    const second = service(source, { ...shared, hashToken });
    const a = drain(first.subscribe('token-a'));
    const b = drain(second.subscribe('token-a'));
    await delay(6 * POLL_MS);

    expect(first.stats().leading + second.stats().leading).toBe(1);
    expect(source.calls.length).toBeLessThanOrEqual(7);
    source.ready = true;
    await Promise.all([a.done, b.done]);

    expect([a.events, b.events].map((events) => events.map((event) => event.kind))).toEqual([
      ['ready'],
      ['ready'],
    ]);
  });
});
