import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { FaultSpec } from '../../src/sandbox/faults.js';
import { errorCodes, execute, startStack, type Stack } from '../helpers/stack.js';

const HALF_OPEN_AFTER_MS = 100;
const QUERY = '{ user { accounts { id address bills { id } } } }';

interface Answer {
  user: { accounts: Array<{ id: string; address: string; bills: Array<{ id: string }> | null }> };
}

let stack: Stack;
let healthy: Answer;

/** `extensions.stale` as `resource reason` lines, after checking every age is a few seconds. */
function staleNotices(extensions: unknown): string[] {
  const stale = (extensions as { stale?: Array<Record<string, unknown>> } | undefined)?.stale;

  return (stale ?? []).map((notice) => {
    expect(Object.keys(notice).sort()).toEqual(['ageSeconds', 'reason', 'resource']);
    expect(notice['ageSeconds']).toBeLessThan(5);

    return `${String(notice['resource'])} ${String(notice['reason'])}`;
  });
}

beforeAll(async () => {
  stack = await startStack({
    // Each failure must surface (retries off); one fault opens the breaker, so every row also
    // shows recovery through the half-open trial, without a restart.
    client: {
      retry: false,
      breaker: { failureThreshold: 1, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
      // Generous enough for a cold sandbox on a loaded machine, short enough to keep rows quick.
      headersTimeoutMs: 1_000,
      bodyTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    },
  });
  const first = await execute(stack.gateway, QUERY);
  expect(first.body.errors).toBeUndefined();
  healthy = first.body.data as Answer;
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.sandbox.faults.clear();
  stack.resetCalls();
});

/** Each row: a fault on `GET /bills`, and the code the bills fields must carry. */
const FAULTS: Array<[string, Omit<FaultSpec, 'route'>, string, number | undefined]> = [
  [
    'latency beyond the headers timeout',
    { kind: 'latency', latencyMs: 1_500 },
    'UPSTREAM_TIMEOUT',
    undefined,
  ],
  ['no headers at all', { kind: 'hang' }, 'UPSTREAM_TIMEOUT', undefined],
  [
    'a body trickling past the call timeout',
    { kind: 'trickle', bytesPerSecond: 50 },
    'UPSTREAM_TIMEOUT',
    undefined,
  ],
  ['a reset in the middle of the body', { kind: 'reset-mid-body' }, 'UPSTREAM_ERROR', undefined],
  ['502', { kind: 'status', status: 502 }, 'UPSTREAM_ERROR', undefined],
  ['503', { kind: 'status', status: 503 }, 'UPSTREAM_ERROR', undefined],
  ['504', { kind: 'status', status: 504 }, 'UPSTREAM_TIMEOUT', undefined],
  ['HTML instead of JSON', { kind: 'html' }, 'UPSTREAM_ERROR', undefined],
  ['truncated JSON', { kind: 'truncated-json' }, 'UPSTREAM_ERROR', undefined],
  ['invalid JSON', { kind: 'invalid-json' }, 'UPSTREAM_ERROR', undefined],
  ['429 with Retry-After', { kind: 'rate-limit', retryAfterSeconds: 30 }, 'RATE_LIMITED', 30],
  ['402 quota_reached', { kind: 'quota' }, 'QUOTA_EXCEEDED', undefined],
];

describe('every upstream fault costs the fields that need the failed call, and no more', () => {
  it.each(FAULTS)('%s', async (_name, fault, code, retryAfter) => {
    stack.sandbox.faults.add({ ...fault, route: 'GET /bills' });
    const response = await execute(stack.gateway, QUERY);
    const accounts = (response.body.data as Answer).user.accounts;

    expect(response.status).toBe(200);
    // Siblings that need only GET /accounts are whole; every bills list is null, never partial.
    expect(accounts).toEqual(healthy.user.accounts.map((account) => ({ ...account, bills: null })));
    expect(errorCodes(response)).toEqual([code, code, code]);
    expect(response.body.errors?.map((error) => error.path)).toEqual(
      [0, 1, 2].map((index) => ['user', 'accounts', index, 'bills']),
    );
    expect(response.body.errors?.[0]?.extensions?.['retryAfter']).toBe(retryAfter);
    expect(stack.calls().filter((call) => call === 'GET /bills')).toHaveLength(1);

    stack.sandbox.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    const recovered = await execute(stack.gateway, QUERY);

    expect(recovered.body).toEqual({ data: healthy });
  });

  it('a kept-alive connection Pelm closes as it is reused', async () => {
    await execute(stack.gateway, QUERY);
    // Whichever call comes on a kept-alive connection finds it closed; without retries it fails.
    stack.sandbox.faults.add({ kind: 'close-keep-alive', times: 1 });
    const response = await execute(stack.gateway, QUERY);
    const failedFields = new Set(response.body.errors?.map((error) => error.path?.at(-1)));

    expect(response.status).toBe(200);
    expect(stack.sandbox.faults.list()[0]?.hits).toBe(1);
    expect(new Set(errorCodes(response))).toEqual(new Set(['UPSTREAM_ERROR']));
    expect(failedFields.size).toBe(1);

    stack.sandbox.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    expect((await execute(stack.gateway, QUERY)).body).toEqual({ data: healthy });
  });

  it('answers the open breaker at once with UPSTREAM_ERROR and retryAfter', async () => {
    stack.sandbox.faults.add({ kind: 'status', status: 503, route: 'GET /bills' });
    await execute(stack.gateway, QUERY);
    stack.resetCalls();
    const startedMs = Date.now();
    const refused = await execute(stack.gateway, QUERY);

    expect(Date.now() - startedMs).toBeLessThan(HALF_OPEN_AFTER_MS);
    expect(errorCodes(refused)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
    expect(refused.body.errors?.[0]?.extensions?.['retryAfter']).toBe(1);
    expect(stack.calls()).toEqual(['GET /accounts']);

    stack.sandbox.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    expect((await execute(stack.gateway, QUERY)).body).toEqual({ data: healthy });
  });
});

describe('retries recover from passing faults', () => {
  let retrying: Stack;

  beforeAll(async () => {
    retrying = await startStack({ client: { retry: { baseDelayMs: 10 }, breaker: false } });
  });
  afterAll(async () => {
    await retrying.close();
  });

  it.each<[string, Omit<FaultSpec, 'route' | 'times'>]>([
    ['503', { kind: 'status', status: 503 }],
    ['a reset mid-body', { kind: 'reset-mid-body' }],
    ['429 without Retry-After', { kind: 'rate-limit' }],
  ])('answers in full after one %s', async (_name, fault) => {
    retrying.sandbox.faults.clear();
    retrying.sandbox.faults.add({ ...fault, route: 'GET /bills', times: 1 });
    retrying.resetCalls();
    const response = await execute(retrying.gateway, QUERY);

    expect(response.body).toEqual({ data: healthy });
    expect(retrying.calls().filter((call) => call === 'GET /bills')).toHaveLength(2);
  });

  it('answers in full when Pelm closes the kept-alive connection it is about to reuse', async () => {
    retrying.sandbox.faults.clear();
    await execute(retrying.gateway, QUERY);
    // Whichever of the two calls comes on a kept-alive connection finds it closed.
    retrying.sandbox.faults.add({ kind: 'close-keep-alive', times: 1 });
    retrying.resetCalls();
    const response = await execute(retrying.gateway, QUERY);

    expect(response.body).toEqual({ data: healthy });
    expect(retrying.sandbox.faults.list()[0]?.hits).toBe(1);
  });
});

describe('stale-if-error', () => {
  it('serves the warm answer during a 503 storm and marks it stale', async () => {
    const warm = await startStack({
      client: { retry: false, breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } },
      cache: { accountsTtlMs: 100, billsTtlMs: 100, staleWhileRevalidateMs: 0 },
    });
    try {
      const before = await execute(warm.gateway, QUERY);
      await new Promise((resolve) => setTimeout(resolve, 150));
      warm.sandbox.faults.add({ kind: 'status', status: 503 });
      const storm = await Promise.all([1, 2, 3, 4, 5].map(() => execute(warm.gateway, QUERY)));

      for (const response of storm) {
        expect(response.body.data).toEqual(before.body.data);
        expect(response.body.errors).toBeUndefined();
        expect(staleNotices(response.body.extensions)).toEqual([
          'accounts UPSTREAM_ERROR',
          'bills UPSTREAM_ERROR',
        ]);
      }
    } finally {
      await warm.close();
    }
  });

  it('serves an expired answer while one refresh runs, marked as revalidating', async () => {
    const warm = await startStack({ cache: { accountsTtlMs: 400, billsTtlMs: 400 } });
    try {
      await execute(warm.gateway, QUERY);
      await new Promise((resolve) => setTimeout(resolve, 450));
      warm.resetCalls();
      const served = await execute(warm.gateway, QUERY);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const fresh = await execute(warm.gateway, QUERY);

      expect(staleNotices(served.body.extensions)).toEqual([
        'accounts REVALIDATING',
        'bills REVALIDATING',
      ]);
      expect(fresh.body.extensions).toBeUndefined();
      expect(warm.calls().sort()).toEqual(['GET /accounts', 'GET /bills']);
    } finally {
      await warm.close();
    }
  });
});
