import { afterEach, describe, expect, it } from 'vitest';

import { HTTP_TIMEOUTS } from '../../src/server.js';
import { SSE_PING_INTERVAL_MS } from '../../src/sse-headers.js';
import { reportMeasure } from '../helpers/measure.js';
import { pelmAccount, pelmError, startFakePelm, type FakePelm } from '../helpers/fake-pelm.js';
import {
  collect,
  eventually,
  fixedPolling,
  startSyncStack,
  type SubscriptionResult,
  type SyncStack,
  type Transport,
} from '../helpers/sync-stack.js';

const TRANSPORTS: Transport[] = ['graphql-sse', 'graphql-ws'];
const READY_ONLY = 'subscription { dataReady { ready } }';
const SYNC_MS = 2_000;
const POLL_MS = 250;
/** Room for a loaded two-core machine on top of each bound the issue sets. */
const SLACK_MS = 1_500;

let stack: SyncStack | undefined;
let fake: FakePelm | undefined;

afterEach(async () => {
  await stack?.close();
  await fake?.close();
  stack = undefined;
  fake = undefined;
});

const idle = () => ({ watchers: 0, leading: 0, subscribers: 0 });

describe('dataReady through the official clients', () => {
  it.each(TRANSPORTS)(
    'delivers one ready event over %s within the sync time plus one poll interval, then completes',
    async (transport) => {
      stack = await startSyncStack({
        sandbox: { syncSeconds: SYNC_MS / 1000 },
        sync: fixedPolling(POLL_MS),
      });
      const token = `sandbox-new-happy-${transport}`;
      const started = performance.now();
      const results = await collect(stack.iterate(transport, token, READY_ONLY), started);

      expect(results.map((result) => result.value)).toEqual([
        { data: { dataReady: { ready: true } } },
      ]);
      const atMs = results[0]?.atMs ?? Number.POSITIVE_INFINITY;
      // The sandbox's sync clock starts at the first probe; measured from there too.
      const firstProbeAt = stack.sandbox.calls[0]?.receivedAt ?? 0;
      const sinceFirstProbeMs = (results[0]?.epochMs ?? Number.POSITIVE_INFINITY) - firstProbeAt;
      reportMeasure(
        `${transport}: dataReady ${Math.round(atMs)} ms after subscribing, ${sinceFirstProbeMs} ms after the first probe (sync ${SYNC_MS} ms, poll ${POLL_MS} ms)`,
      );
      expect(sinceFirstProbeMs).toBeLessThan(SYNC_MS + POLL_MS + 500);
      expect(atMs).toBeGreaterThanOrEqual(SYNC_MS - 50);
      expect(atMs).toBeLessThan(SYNC_MS + POLL_MS + SLACK_MS);
      // Polling stopped with the event: no watcher, and no probe for three more intervals.
      expect(stack.sync.stats()).toEqual(idle());
      const probes = stack.probes(token);
      await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
      expect(stack.probes(token)).toBe(probes);
    },
  );

  it('sends the event at once, with the accounts, when the data is already there', async () => {
    stack = await startSyncStack({ sync: fixedPolling(POLL_MS) });
    const started = performance.now();
    const results = await collect(
      stack.sse('sandbox-alice-sce').iterate({
        query:
          'subscription { dataReady { ready status { accounts bills intervals } user { accounts { address } } } }',
      }),
      started,
    );

    expect(results.map((result) => result.value)).toEqual([
      {
        data: {
          dataReady: {
            ready: true,
            status: { accounts: 'READY', bills: 'READY', intervals: 'READY' },
            user: { accounts: [{ address: expect.any(String) }] },
          },
        },
      },
    ]);
    expect(results[0]?.atMs).toBeLessThan(POLL_MS + SLACK_MS);
    // One probe (accounts, one account's bills, one intervals day); the payload reuses the
    // probe's fresh accounts instead of asking again.
    expect(stack.sandbox.calls.map((call) => call.path)).toEqual([
      '/accounts',
      '/bills',
      '/intervals',
    ]);
  });

  it('reports each kind of data as it arrives when progress is asked for', async () => {
    stack = await startSyncStack({ sandbox: { syncSeconds: 1.2 }, sync: fixedPolling(100) });
    const results = await collect(
      stack.ws('sandbox-new-progress').iterate({
        query:
          'subscription { dataReady(progress: true) { ready status { accounts bills intervals } } }',
      }),
    );

    expect(results.map((result) => result.value.data?.['dataReady'])).toEqual([
      { ready: false, status: { accounts: 'SYNCING', bills: 'SYNCING', intervals: 'SYNCING' } },
      { ready: false, status: { accounts: 'READY', bills: 'SYNCING', intervals: 'SYNCING' } },
      { ready: false, status: { accounts: 'READY', bills: 'READY', intervals: 'SYNCING' } },
      { ready: true, status: { accounts: 'READY', bills: 'READY', intervals: 'READY' } },
    ]);
  });

  it.each(TRANSPORTS)(
    'ends with UNAUTHENTICATED over %s when Pelm rejects the token',
    async (transport) => {
      stack = await startSyncStack({ sync: fixedPolling(POLL_MS) });
      const results = await collect(stack.iterate(transport, 'not-a-sandbox-token', READY_ONLY));

      expect(results).toHaveLength(1);
      expect(results[0]?.value.data).toEqual({ dataReady: null });
      expect(results[0]?.value.errors?.map((error) => error.extensions?.['code'])).toEqual([
        'UNAUTHENTICATED',
      ]);
      expect(stack.probes('not-a-sandbox-token')).toBe(1);
      expect(stack.sync.stats()).toEqual(idle());
    },
  );

  it('ends with REAUTH_REQUIRED when the caller gives its user id and the utility login is broken', async () => {
    stack = await startSyncStack({ sync: fixedPolling(POLL_MS) });
    const results = await collect(
      stack
        .sse('sandbox-stale')
        .iterate({ query: 'subscription { dataReady(userId: "stale") { ready } }' }),
    );

    expect(results.map((result) => result.value.errors?.[0]?.extensions?.['code'])).toEqual([
      'REAUTH_REQUIRED',
    ]);
    // Without the user id the broken login cannot be seen; the data itself is there.
    const plain = await collect(stack.sse('sandbox-stale').iterate({ query: READY_ONLY }));
    expect(plain.map((result) => result.value)).toEqual([{ data: { dataReady: { ready: true } } }]);
  });

  it('ends with DATA_UNAVAILABLE when the user is still syncing after the configured limit', async () => {
    stack = await startSyncStack({
      sandbox: { syncSeconds: 3_600 },
      sync: { ...fixedPolling(100), readyLimitMs: 600 },
    });
    const started = performance.now();
    const results = await collect(
      stack.ws('sandbox-new-slow').iterate({ query: READY_ONLY }),
      started,
    );

    expect(results.map((result) => result.value.errors?.[0]?.extensions)).toEqual([
      { code: 'DATA_UNAVAILABLE', retryAfter: 60 },
    ]);
    expect(results[0]?.atMs).toBeGreaterThanOrEqual(590);
    expect(results[0]?.atMs).toBeLessThan(600 + SLACK_MS);
    expect(stack.sync.stats()).toEqual(idle());
  });

  it('refuses a subscription without a token before any upstream call', async () => {
    stack = await startSyncStack();
    const results = await collect(stack.ws(null).iterate({ query: READY_ONLY }));

    expect(results.map((result) => result.value.errors?.[0]?.extensions?.['code'])).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(stack.sandbox.calls).toHaveLength(0);
  });

  it('reads the graphql-ws token from connection_init only, never from the URL', async () => {
    stack = await startSyncStack();
    const client = stack.ws(null, {
      url: `${stack.wsUrl}?authorization=Bearer%20sandbox-bob&token=sandbox-bob`,
    });
    const results = await collect(client.iterate({ query: READY_ONLY }));

    expect(results.map((result) => result.value.errors?.[0]?.extensions?.['code'])).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(stack.sandbox.calls).toHaveLength(0);
  });
});

describe('syncStatus for clients without a subscription', () => {
  it('answers the current status with fresh probes, never a remembered data_unavailable', async () => {
    stack = await startSyncStack({ sandbox: { syncSeconds: 0.8 } });
    const query = async () => {
      const response = await fetch(stack?.url ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-new-status' },
        body: JSON.stringify({
          query: '{ user { syncStatus { ready accounts bills intervals } } }',
        }),
      });

      return ((await response.json()) as { data: { user: { syncStatus: unknown } } }).data.user
        .syncStatus;
    };

    expect(await query()).toEqual({
      ready: false,
      accounts: 'SYNCING',
      bills: 'SYNCING',
      intervals: 'SYNCING',
    });
    expect(await eventually(() => false, 900)).toBe(false);
    expect(await query()).toEqual({
      ready: true,
      accounts: 'READY',
      bills: 'READY',
      intervals: 'READY',
    });
    // 1 accounts probe, then accounts + bills + intervals: nothing answered from memory.
    expect(stack.probes('sandbox-new-status')).toBe(4);
    expect(stack.sync.stats()).toEqual(idle());
  });
});

describe('every subscription poll reads fresh upstream data', () => {
  const ACCOUNT_QUERY = 'subscription { dataReady { ready user { accounts { id } } } }';

  async function fakeSyncingAccounts(): Promise<FakePelm> {
    let accounts = [pelmAccount('acc-1', ['ELECTRIC'])];
    const started = await startFakePelm({
      'GET /accounts': (_call, index) =>
        index < 3 ? pelmError(500, 'data_unavailable') : { json: accounts },
      'GET /bills': (call) => ({ json: [{ account_id: call.query['account_id'], bills: [] }] }),
      'GET /intervals': (call) => ({
        json: {
          utility: 'PG&E',
          type: 'ELECTRIC',
          account: null,
          intervals: [],
          account_id: call.query['account_id'],
        },
      }),
    });
    started.route('POST /_add-account', () => {
      accounts = [...accounts, pelmAccount('acc-2', ['ELECTRIC'])];

      return { status: 204, text: '' };
    });

    return started;
  }

  const accountCalls = () => fake?.calls.filter((call) => call.path === '/accounts').length;

  it.each(TRANSPORTS)(
    'fires after the fourth poll over %s with the accounts that poll read',
    async (transport) => {
      fake = await fakeSyncingAccounts();
      stack = await startSyncStack({ upstreamUrl: fake.url, sync: fixedPolling(POLL_MS) });
      const started = performance.now();
      const results = await collect(
        stack.iterate(transport, 'fresh-token', ACCOUNT_QUERY),
        started,
      );

      expect(results.map((result) => result.value)).toEqual([
        { data: { dataReady: { ready: true, user: { accounts: [{ id: 'acc-1' }] } } } },
      ]);
      expect(results[0]?.atMs).toBeGreaterThanOrEqual(3 * POLL_MS - 50);
      expect(results[0]?.atMs).toBeLessThan(4 * POLL_MS + 1_000);
      expect(accountCalls()).toBe(4);
    },
  );

  it('fires after the fourth poll with the cross-request cache in front at its default settings', async () => {
    fake = await fakeSyncingAccounts();
    stack = await startSyncStack({ upstreamUrl: fake.url, sync: fixedPolling(POLL_MS), cache: {} });
    const results = await collect(stack.iterate('graphql-ws', 'fresh-token', ACCOUNT_QUERY));

    expect(results.map((result) => result.value)).toEqual([
      { data: { dataReady: { ready: true, user: { accounts: [{ id: 'acc-1' }] } } } },
    ]);
    expect(accountCalls()).toBe(4);
  });

  it('answers a query sent right after the event with the data, not a cached data_unavailable', async () => {
    stack = await startSyncStack({
      sandbox: { syncSeconds: 1 },
      sync: fixedPolling(100),
      cache: {},
    });
    const token = 'sandbox-new-cached';
    const accounts = async () => {
      const response = await fetch(stack?.url ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ user { accounts { id } } }' }),
      });

      return (await response.json()) as SubscriptionResult;
    };

    const before = await accounts();
    expect(before.errors?.map((error) => error.extensions?.['code'])).toEqual(['DATA_UNAVAILABLE']);
    await collect(stack.iterate('graphql-sse', token, READY_ONLY));
    const after = await accounts();

    expect(after.errors).toBeUndefined();
    expect((after.data?.['user'] as { accounts: unknown[] }).accounts.length).toBeGreaterThan(0);
  });

  it('gives a second subscription on the same connection the accounts added after the first event', async () => {
    fake = await fakeSyncingAccounts();
    stack = await startSyncStack({ upstreamUrl: fake.url, sync: fixedPolling(POLL_MS) });
    const client = stack.ws('fresh-token');
    await collect(client.iterate({ query: ACCOUNT_QUERY }) as AsyncIterable<SubscriptionResult>);
    await fetch(`${fake.url}/_add-account`, { method: 'POST' });
    const second = await collect(
      client.iterate({ query: ACCOUNT_QUERY }) as AsyncIterable<SubscriptionResult>,
    );

    expect(second.map((result) => result.value)).toEqual([
      {
        data: {
          dataReady: { ready: true, user: { accounts: [{ id: 'acc-1' }, { id: 'acc-2' }] } },
        },
      },
    ]);
    expect(accountCalls()).toBe(5);
  });
});

describe('server-sent events get through a buffering proxy (without the proxy)', () => {
  it('streams with proxy-safe headers and a ping before the stream ends', async () => {
    stack = await startSyncStack({ sandbox: { syncSeconds: 1 }, sync: fixedPolling(POLL_MS) });
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        authorization: 'Bearer sandbox-new-chunks',
        'content-type': 'application/json',
        'accept-encoding': 'gzip, deflate, br',
      },
      body: JSON.stringify({ query: READY_ONLY }),
    });

    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('cache-control')?.split(/,\s*/)).toContain('no-cache');
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('content-encoding')).toBeNull();

    const chunks: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      chunks.push(decoder.decode(chunk));
    }

    const text = chunks.join('');
    const firstEvent = text.indexOf('event: next');
    expect(chunks[0]).toMatch(/^:\n\n/);
    expect(firstEvent).toBeGreaterThan(0);
    expect(text.slice(firstEvent)).toBe(
      'event: next\ndata: {"data":{"dataReady":{"ready":true}}}\n\nevent: complete\ndata:\n\n',
    );
  });

  it('keeps the server timeouts longer than the SSE ping interval', () => {
    expect(SSE_PING_INTERVAL_MS).toBeLessThanOrEqual(15_000);
    for (const value of Object.values(HTTP_TIMEOUTS)) {
      expect(value).toBeGreaterThan(SSE_PING_INTERVAL_MS);
    }
  });

  it('applies those timeouts to the running server', async () => {
    stack = await startSyncStack();

    expect({
      requestTimeoutMs: stack.server.http.requestTimeout,
      headersTimeoutMs: stack.server.http.headersTimeout,
      keepAliveTimeoutMs: stack.server.http.keepAliveTimeout,
      idleTimeoutMs: stack.server.http.timeout,
    }).toEqual(HTTP_TIMEOUTS);
  });
});
