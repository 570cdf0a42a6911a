import { afterEach, describe, expect, it } from 'vitest';

import { PelmClient, type PelmClientOptions } from '../../src/pelm/client.js';
import { PelmError } from '../../src/pelm/errors.js';
import { RetryBudget, RetryPolicy } from '../../src/pelm/retry.js';
import { pelmAccount, pelmError, startFakePelm, type FakePelm } from '../helpers/fake-pelm.js';

const CALL = { token: 'sandbox-bob' };
const ACCOUNTS = { json: [pelmAccount('acc-1')] };

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function fakeWithAccounts(route: Parameters<FakePelm['route']>[1]): Promise<FakePelm> {
  const fake = await startFakePelm({ 'GET /accounts': route });
  cleanups.push(() => fake.close());

  return fake;
}

/** Fast, deterministic retries: waits are the full backoff ceiling of a few milliseconds. */
function clientFor(fake: FakePelm, options: Partial<PelmClientOptions> = {}): PelmClient {
  const client = new PelmClient({
    baseUrl: fake.url,
    breaker: false,
    retry: { baseDelayMs: 5, maxDelayMs: 20, random: () => 0.99 },
    ...options,
  });
  cleanups.push(() => client.close());

  return client;
}

async function failureOf(promise: Promise<unknown>): Promise<PelmError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PelmError);

  return error as PelmError;
}

describe('retries of idempotent calls', () => {
  it.each([
    ['503 internal_error', pelmError(503, 'internal_error')],
    ['502 without body', { status: 502, text: '' }],
    ['500 internal_error', pelmError(500, 'internal_error')],
    ['504 gateway timeout', { status: 504, text: '<html>timeout</html>' }],
    ['429 without Retry-After', { status: 429, text: 'slow down' }],
  ])('retries after %s and returns the answer of the retry', async (_name, failure) => {
    const fake = await fakeWithAccounts((_call, index) => (index < 2 ? failure : ACCOUNTS));
    const accounts = await clientFor(fake).getAccounts(CALL);

    expect(accounts.map((account) => account.id)).toEqual(['acc-1']);
    expect(fake.calls).toHaveLength(3);
  });

  it.each([
    ['500 data_unavailable', pelmError(500, 'data_unavailable'), 'DATA_UNAVAILABLE'],
    ['400 parameter_invalid', pelmError(400, 'parameter_invalid'), 'BAD_USER_INPUT'],
    ['401 token_invalid', pelmError(401, 'token_invalid'), 'UNAUTHENTICATED'],
    ['403 permission_denied', pelmError(403, 'permission_denied'), 'FORBIDDEN'],
    ['402 quota_reached', pelmError(402, 'quota_reached'), 'QUOTA_EXCEEDED'],
    ['200 with HTML', { status: 200, text: '<html>maintenance</html>' }, 'UPSTREAM_ERROR'],
  ])('never retries %s', async (_name, failure, code) => {
    const fake = await fakeWithAccounts(failure);
    const error = await failureOf(clientFor(fake).getAccounts(CALL));

    expect(error.code).toBe(code);
    expect(fake.calls).toHaveLength(1);
  });

  it('never retries a call that is not idempotent', async () => {
    const fake = await startFakePelm({ 'POST /auth/token': pelmError(503, 'internal_error') });
    cleanups.push(() => fake.close());
    const error = await failureOf(clientFor(fake).exchangeAuthorizationCode('code-1'));

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(fake.calls).toHaveLength(1);
  });

  it('gives up after the configured retries with the last failure', async () => {
    const fake = await fakeWithAccounts(pelmError(503, 'internal_error'));
    const error = await failureOf(
      clientFor(fake, { retry: { retries: 1, baseDelayMs: 1 } }).getAccounts(CALL),
    );

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.status).toBe(503);
    expect(fake.calls).toHaveLength(2);
  });

  it('sends every call once when retries are off', async () => {
    const fake = await fakeWithAccounts(pelmError(503, 'internal_error'));
    await failureOf(clientFor(fake, { retry: false }).getAccounts(CALL));

    expect(fake.calls).toHaveLength(1);
  });

  it('waits at least the Retry-After Pelm asked for before retrying', async () => {
    const sentAt: number[] = [];
    const fake = await fakeWithAccounts((_call, index) => {
      sentAt.push(Date.now());

      return index === 0 ? pelmError(429, 'rate_limited', { 'retry-after': '1' }) : ACCOUNTS;
    });
    await clientFor(fake).getAccounts(CALL);

    expect(fake.calls).toHaveLength(2);
    expect((sentAt[1] ?? 0) - (sentAt[0] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });

  it('fails at once with the advice when Retry-After is longer than the longest wait', async () => {
    const fake = await fakeWithAccounts(pelmError(429, 'rate_limited', { 'retry-after': '120' }));
    const startedMs = Date.now();
    const error = await failureOf(clientFor(fake).getAccounts(CALL));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(120);
    expect(fake.calls).toHaveLength(1);
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it("stops waiting for a retry when the caller's signal aborts, with its reason", async () => {
    const fake = await fakeWithAccounts(pelmError(429, 'rate_limited', { 'retry-after': '4' }));
    const controller = new AbortController();
    const reason = new Error('client left');
    setTimeout(() => controller.abort(reason), 100);
    const startedMs = Date.now();
    const error = await clientFor(fake)
      .getAccounts({ ...CALL, signal: controller.signal })
      .catch((failure: unknown) => failure);

    expect(error).toBe(reason);
    expect(fake.calls).toHaveLength(1);
    expect(Date.now() - startedMs).toBeLessThan(2_000);
  });
});

describe('retry policy', () => {
  const transient = new PelmError('UPSTREAM_ERROR', 'x', { status: 503, transient: true });

  it('draws each backoff with full jitter below a doubling ceiling', () => {
    const draws = [0.5, 0.999, 0];
    const policy = new RetryPolicy({
      retries: 5,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => draws.shift() ?? 0,
    });

    expect(policy.delayBeforeRetry(transient, true, 1)).toBe(50);
    expect(policy.delayBeforeRetry(transient, true, 2)).toBe(199);
    expect(policy.delayBeforeRetry(transient, true, 3)).toBe(0);
    expect(policy.delayBeforeRetry(transient, true, 6)).toBeUndefined();
  });

  it('waits the larger of the backoff and the Retry-After', () => {
    const policy = new RetryPolicy({ random: () => 0 });
    const throttled = new PelmError('RATE_LIMITED', 'x', {
      status: 429,
      retryAfterSeconds: 2,
      transient: true,
    });

    expect(policy.delayBeforeRetry(throttled, true, 1)).toBe(2_000);
  });

  it('refuses retries beyond min + ratio × first requests in the window', () => {
    let nowMs = 1_000_000;
    const budget = new RetryBudget(0.5, 1, () => nowMs);
    for (let call = 0; call < 4; call += 1) {
      budget.recordCall();
    }

    expect([1, 2, 3, 4].map(() => budget.tryWithdraw())).toEqual([true, true, true, false]);
    nowMs += 11_000;
    expect(budget.tryWithdraw()).toBe(true);
  });
});
