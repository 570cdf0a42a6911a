import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterEach, describe, expect, it } from 'vitest';

import { reportMeasure } from '../helpers/measure.js';
import {
  delay,
  eventually,
  fixedPolling,
  startSyncStack,
  type SyncStack,
} from '../helpers/sync-stack.js';

const POLL_MS = 200;
const QUERY = JSON.stringify({ query: 'subscription { dataReady { ready } }' });
/**
 * The case asks for 200 disconnects of each kind: about 20 s of both cores for the three, so CI
 * runs them in full and the everyday run does 50 of each.
 */
const ROUNDS = process.env.CI === 'true' ? 200 : 50;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let stack: SyncStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function heapAfterGcMb(): number {
  collectGarbage();
  collectGarbage();

  return process.memoryUsage().heapUsed / 1_048_576;
}

/** Kinds of live handles (sockets, timers), counted. */
function activeHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind !== 'PromiseResolveHook').length;
}

interface Departure {
  token: string;
  leftAt: number;
}

/**
 * What must hold after clients left: each token's last probe came at most two poll intervals
 * after its client left, no probe at all for three more intervals, no watcher, no subscriber,
 * handles back to the baseline.
 */
async function expectPollingStopped(
  current: SyncStack,
  departures: Departure[],
  baseline: { handles: number; heapMb: number },
  label: string,
  options: { beforeHandles?: () => Promise<void> } = {},
) {
  await delay(2 * POLL_MS);
  const total = current.sandbox.calls.length;
  await delay(3 * POLL_MS);
  expect(current.sandbox.calls.length).toBe(total);

  const lastProbe = new Map<string, number>();
  for (const call of current.sandbox.calls) {
    lastProbe.set(call.authorization ?? '', call.receivedAt);
  }

  const late = departures.filter(
    ({ token, leftAt }) => (lastProbe.get(`Bearer ${token}`) ?? 0) > leftAt + 2 * POLL_MS,
  );
  expect(late).toEqual([]);
  expect(current.sync.stats()).toEqual({ watchers: 0, leading: 0, subscribers: 0 });
  await options.beforeHandles?.();
  expect(await eventually(() => Math.abs(activeHandles() - baseline.handles) <= 5, 2_000)).toBe(
    true,
  );
  const heapGrowthMb = heapAfterGcMb() - baseline.heapMb;
  reportMeasure(
    `${label}: ${departures.length} departures, ${total} upstream calls, handles ${activeHandles()} (baseline ${baseline.handles}), heap +${heapGrowthMb.toFixed(1)} MB`,
  );
  expect(heapGrowthMb).toBeLessThan(20);
}

async function quietStack(): Promise<{ handles: number; heapMb: number }> {
  stack = await startSyncStack({ sandbox: { syncSeconds: 3_600 }, sync: fixedPolling(POLL_MS) });

  return { handles: activeHandles(), heapMb: heapAfterGcMb() };
}

describe('subscriptions stop polling Pelm when the client leaves', () => {
  it('stops polling when an SSE client aborts right after the first ping', async () => {
    const baseline = await quietStack();
    const current = stack as SyncStack;
    const departures: Departure[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const token = `sandbox-new-leave-sse-${round}`;
      const abort = new AbortController();
      const response = await fetch(current.url, {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: QUERY,
        signal: abort.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe(':\n\n');
      abort.abort();
      departures.push({ token, leftAt: Date.now() });
      await reader.cancel().catch(() => undefined);
    }

    await expectPollingStopped(current, departures, baseline, 'SSE abort after first ping');
  });

  it('stops polling when a graphql-ws socket closes within 5 ms of its subscribe', async () => {
    const baseline = await quietStack();
    const current = stack as SyncStack;
    const departures: Departure[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const token = `sandbox-new-leave-ws-${round}`;
      const client = current.ws(token);
      let socket: { close(): void } | undefined;
      client.on('opened', (opened) => {
        socket = opened as { close(): void };
      });
      const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
      client.subscribe(
        { query: 'subscription { dataReady { ready } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
      await connected;
      // The subscribe frame leaves in the step after the acknowledgement. Every third round
      // closes the socket in the very next turn, so the close reaches the server while it is
      // still setting the subscription up; the others close 1 to 5 ms later.
      if (round % 3 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        socket?.close();
      } else {
        await delay(1 + (round % 5));
      }

      await client.dispose();
      departures.push({ token, leftAt: Date.now() });
    }

    const neverStarted = departures.filter(({ token }) => current.probes(token) === 0).length;
    reportMeasure(`graphql-ws: ${neverStarted} of ${ROUNDS} sockets closed before any probe`);
    await expectPollingStopped(current, departures, baseline, 'graphql-ws close during subscribe');
  });

  it('stops polling when a graphql-ws client completes and keeps its socket open', async () => {
    const baseline = await quietStack();
    const current = stack as SyncStack;
    const clients: Array<{ dispose(): void | Promise<void> }> = [];
    const departures: Departure[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const token = `sandbox-new-leave-complete-${round}`;
      // The token belongs to the connection, so each round has its own, kept open after
      // `complete` until the checks below have run.
      const roundClient = current.ws(token, { keepOpen: true });
      clients.push(roundClient);
      const unsubscribe = roundClient.subscribe(
        { query: 'subscription { dataReady { ready } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
      expect(await eventually(() => current.probes(token) >= 1, 2_000)).toBe(true);
      unsubscribe();
      departures.push({ token, leftAt: Date.now() });
    }

    await expectPollingStopped(current, departures, baseline, 'graphql-ws complete, socket open', {
      beforeHandles: async () => {
        await Promise.all(clients.map((each) => each.dispose()));
      },
    });
  });
});

describe('throttling answers are obeyed by the poll loop', () => {
  it('makes no probe for a throttled token until Retry-After has passed', async () => {
    stack = await startSyncStack({ sandbox: { syncSeconds: 3_600 }, sync: fixedPolling(100) });
    const token = 'sandbox-new-throttled';
    stack.sandbox.faults.add({
      kind: 'rate-limit',
      route: 'GET /accounts',
      token,
      retryAfterSeconds: 2,
    });
    const unsubscribe = stack
      .ws(token)
      .subscribe(
        { query: 'subscription { dataReady { ready } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    const current = stack;
    const times = () =>
      current.sandbox.calls
        .filter((call) => call.authorization === `Bearer ${token}`)
        .map((call) => call.receivedAt);

    expect(await eventually(() => times().length >= 1, 2_000)).toBe(true);
    await delay(1_800);
    expect(times()).toHaveLength(1);
    expect(await eventually(() => times().length >= 2, 2_000)).toBe(true);
    const [first = 0, second = 0] = times();
    reportMeasure(`429 Retry-After 2: next probe ${second - first} ms after the first`);
    expect(second - first).toBeGreaterThanOrEqual(2_000);
    unsubscribe();
  });
});
