import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FaultSpec } from '../../src/sandbox/faults.js';
import { errorCodes, execute, startStack, type Stack } from '../helpers/stack.js';

const QUERY = '{ user { accounts { id } } }';

let stack: Stack;

beforeAll(async () => {
  // The gateway's defaults: two retries, Retry-After waited out up to 5 s.
  stack = await startStack({ client: { breaker: false } });
});
afterAll(async () => {
  await stack.close();
});

/**
 * Each scenario throttles one token only, so the scenarios can run at the same time on one
 * sandbox; `accountsCalls` are that token's `GET /accounts` arrivals, in epoch milliseconds.
 */
async function throttled(token: string, fault: Omit<FaultSpec, 'token' | 'route'>) {
  stack.sandbox.faults.add({ ...fault, token, route: 'GET /accounts' });
  const startedMs = Date.now();
  const response = await execute(stack.gateway, QUERY, { token });
  const elapsedMs = Date.now() - startedMs;
  const accountsCalls = stack.sandbox.calls
    .filter((call) => call.path === '/accounts' && call.authorization === `Bearer ${token}`)
    .map((call) => call.receivedAt);

  return { response, elapsedMs, accountsCalls };
}

describe.concurrent('throttling answers are obeyed, not hammered', () => {
  it('retries once, no sooner than Retry-After: 2, and answers', async () => {
    const { response, accountsCalls } = await throttled('sandbox-bob', {
      kind: 'rate-limit',
      retryAfterSeconds: 2,
      times: 1,
    });

    expect(response.body.errors).toBeUndefined();
    expect(accountsCalls).toHaveLength(2);
    expect((accountsCalls[1] ?? 0) - (accountsCalls[0] ?? 0)).toBeGreaterThanOrEqual(2_000);
  });

  it('answers RATE_LIMITED with retryAfter 120 at once for a Retry-After too long to wait', async () => {
    const { response, elapsedMs, accountsCalls } = await throttled('sandbox-pelm', {
      kind: 'rate-limit',
      retryAfterSeconds: 120,
    });

    expect(errorCodes(response)).toEqual(['RATE_LIMITED']);
    expect(response.body.errors?.[0]?.extensions?.['retryAfter']).toBe(120);
    expect(accountsCalls).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('retries no earlier than a Retry-After given as an HTTP date', async () => {
    const { response, accountsCalls } = await throttled('sandbox-alice-sce', {
      kind: 'rate-limit',
      retryAfterSeconds: 3,
      retryAfterForm: 'date',
      times: 1,
    });
    const hit = stack.sandbox.faults.hits.find(
      (entry) => entry.call.authorization === 'Bearer sandbox-alice-sce',
    );
    // An HTTP date holds whole seconds: three seconds after the throttled call, rounded down.
    const dateMs = Math.floor(((hit?.call.receivedAt ?? 0) + 3_000) / 1_000) * 1_000;

    expect(response.body.errors).toBeUndefined();
    expect(accountsCalls).toHaveLength(2);
    expect(accountsCalls[1]).toBeGreaterThanOrEqual(dateMs);
    expect((accountsCalls[1] ?? 0) - (accountsCalls[0] ?? 0)).toBeGreaterThanOrEqual(2_000);
  });

  it('gives up after two jittered retries without Retry-After, with RATE_LIMITED', async () => {
    const { response, accountsCalls } = await throttled('sandbox-alice-socalgas', {
      kind: 'rate-limit',
    });

    expect(errorCodes(response)).toEqual(['RATE_LIMITED']);
    expect(response.body.errors?.[0]?.extensions?.['retryAfter']).toBeUndefined();
    expect(accountsCalls).toHaveLength(3);
  });

  it('answers QUOTA_EXCEEDED after exactly one call for 402 quota_reached', async () => {
    const { response, accountsCalls } = await throttled('sandbox-stale', { kind: 'quota' });

    expect(errorCodes(response)).toEqual(['QUOTA_EXCEEDED']);
    expect(accountsCalls).toHaveLength(1);
  });
});
