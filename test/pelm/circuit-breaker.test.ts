import { afterEach, describe, expect, it } from 'vitest';

import { PelmClient } from '../../src/pelm/client.js';
import { PelmError } from '../../src/pelm/errors.js';
import {
  pelmAccount,
  pelmError,
  startFakePelm,
  type FakeAnswer,
  type FakeCall,
  type FakePelm,
} from '../helpers/fake-pelm.js';

const CALL = { token: 'sandbox-bob' };
const ACCOUNTS: FakeAnswer = { json: [pelmAccount('acc-1')] };
const INTERVALS: FakeAnswer = {
  json: { utility: 'PG&E', type: 'ELECTRIC', account: null, intervals: [] },
};
const HALF_OPEN_AFTER_MS = 150;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A fake whose `GET /intervals` answers whatever `answer()` says at the time of the call. */
async function setUp(answer: () => FakeAnswer): Promise<{ fake: FakePelm; client: PelmClient }> {
  const fake = await startFakePelm({ 'GET /accounts': ACCOUNTS, 'GET /intervals': answer });
  const client = new PelmClient({
    baseUrl: fake.url,
    retry: false,
    // One token makes every call here; a single caller's faults may open it in these tests.
    breaker: { failureThreshold: 3, minCallers: 1, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
  });
  cleanups.push(async () => {
    await client.close();
    await fake.close();
  });

  return { fake, client };
}

/** A fake whose `GET /accounts` answers `answer`, behind a breaker of default callers. */
async function defaultBreakerOn(
  answer: (call: FakeCall) => FakeAnswer,
): Promise<{ fake: FakePelm; client: PelmClient }> {
  const fake = await startFakePelm({ 'GET /accounts': answer });
  const client = new PelmClient({
    baseUrl: fake.url,
    retry: false,
    breaker: { failureThreshold: 3, halfOpenAfterMs: 60_000 },
  });
  cleanups.push(async () => {
    await client.close();
    await fake.close();
  });

  return { fake, client };
}

const intervals = (client: PelmClient) => client.getIntervals(CALL, { meterId: 'm-1' });
const intervalCalls = (fake: FakePelm) => fake.calls.filter((c) => c.path === '/intervals');

async function failureOf(promise: Promise<unknown>): Promise<PelmError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(PelmError);

  return error as PelmError;
}

describe('circuit breaker per endpoint', () => {
  it('opens after repeated faults and then answers at once without calling Pelm', async () => {
    const { fake, client } = await setUp(() => pelmError(503, 'internal_error'));
    for (let call = 0; call < 3; call += 1) {
      expect((await failureOf(intervals(client))).status).toBe(503);
    }

    const startedMs = Date.now();
    const refused = await failureOf(intervals(client));

    expect(Date.now() - startedMs).toBeLessThan(50);
    expect(refused.code).toBe('UPSTREAM_ERROR');
    expect(refused.retryAfterSeconds).toBe(1);
    expect(intervalCalls(fake)).toHaveLength(3);
    expect(client.breakerState('getIntervals')).toBe('open');
  });

  it('keeps the other endpoints working while one is open', async () => {
    const { client } = await setUp(() => pelmError(503, 'internal_error'));
    for (let call = 0; call < 3; call += 1) {
      await failureOf(intervals(client));
    }

    await expect(client.getAccounts(CALL)).resolves.toHaveLength(1);
    expect(client.breakerState('getAccounts')).toBe('closed');
  });

  it.each([
    ['data_unavailable', pelmError(500, 'data_unavailable')],
    ['a 4xx', pelmError(403, 'permission_denied')],
    ['429', pelmError(429, 'rate_limited')],
    ['402 quota_reached', pelmError(402, 'quota_reached')],
  ])('never opens on %s', async (_name, answer) => {
    const { fake, client } = await setUp(() => answer);
    for (let call = 0; call < 6; call += 1) {
      await failureOf(intervals(client));
    }

    expect(intervalCalls(fake)).toHaveLength(6);
    expect(client.breakerState('getIntervals')).toBe('closed');
  });

  it('lets one trial through after the half-open delay and closes when it succeeds', async () => {
    let healthy = false;
    const { fake, client } = await setUp(() =>
      healthy ? INTERVALS : pelmError(503, 'internal_error'),
    );
    for (let call = 0; call < 3; call += 1) {
      await failureOf(intervals(client));
    }

    healthy = true;
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 20));
    // Arriving together: one is the trial, the others wait for its outcome and then go out.
    const answers = await Promise.all([intervals(client), intervals(client), intervals(client)]);

    expect(answers.map((answer) => answer.intervals)).toEqual([[], [], []]);
    expect(intervalCalls(fake)).toHaveLength(6);
    expect(client.breakerState('getIntervals')).toBe('closed');
  });

  it('opens again at once when the trial fails', async () => {
    const { fake, client } = await setUp(() => pelmError(502, 'bad_gateway'));
    for (let call = 0; call < 3; call += 1) {
      await failureOf(intervals(client));
    }

    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 20));
    const [trial, waiter] = await Promise.all([
      failureOf(intervals(client)),
      failureOf(intervals(client)),
    ]);

    expect(trial.status).toBe(502);
    expect(waiter.status).toBeUndefined();
    expect(waiter.retryAfterSeconds).toBe(1);
    expect(intervalCalls(fake)).toHaveLength(4);
    expect(client.breakerState('getIntervals')).toBe('open');
  });

  it('surfaces the real failure, not the refusal, when it opens between retries', async () => {
    const fake = await startFakePelm({ 'GET /accounts': pelmError(503, 'internal_error') });
    const client = new PelmClient({
      baseUrl: fake.url,
      retry: { retries: 2, baseDelayMs: 1 },
      breaker: { failureThreshold: 2, minCallers: 1, halfOpenAfterMs: 10_000 },
    });
    cleanups.push(async () => {
      await client.close();
      await fake.close();
    });
    const error = await failureOf(client.getAccounts(CALL));

    expect(error.status).toBe(503);
    expect(fake.calls).toHaveLength(2);
  });

  it('stays closed for everyone while the faults in a row all come from one token', async () => {
    const { fake, client } = await defaultBreakerOn((call) =>
      call.authorization === 'Bearer sandbox-broken'
        ? pelmError(503, 'internal_error')
        : { json: [] },
    );
    const broken = { ...CALL, token: 'sandbox-broken' };
    for (let call = 0; call < 6; call += 1) {
      expect((await failureOf(client.getAccounts(broken))).status).toBe(503);
    }

    expect(client.breakerState('getAccounts')).toBe('closed');
    expect(await client.getAccounts({ ...CALL, token: 'sandbox-healthy' })).toEqual([]);
    expect(fake.calls).toHaveLength(7);
  });

  it('opens once faults in a row come from two tokens', async () => {
    const { fake, client } = await defaultBreakerOn(() => pelmError(503, 'internal_error'));
    for (const token of ['sandbox-a', 'sandbox-a', 'sandbox-b']) {
      await failureOf(client.getAccounts({ ...CALL, token }));
    }

    expect(client.breakerState('getAccounts')).toBe('open');
    const refused = await failureOf(client.getAccounts({ ...CALL, token: 'sandbox-c' }));
    expect(refused.code).toBe('UPSTREAM_ERROR');
    expect(refused.status).toBeUndefined();
    expect(fake.calls).toHaveLength(3);
  });
});
