import { afterEach, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { createCachingSource, type CachingSource } from '../../src/pelm/cache.js';
import { PelmClient } from '../../src/pelm/client.js';
import {
  pelmAccount,
  pelmError,
  startFakePelm,
  type FakeAnswer,
  type FakePelm,
} from '../helpers/fake-pelm.js';
import { errorCodes, execute } from '../helpers/stack.js';

const ACCOUNTS = [pelmAccount('acc-1'), pelmAccount('acc-2'), pelmAccount('acc-3')];
const BILLS = ACCOUNTS.map((account) => ({
  account_id: account.id,
  bills: [{ id: `bill-${account.id}`, total_amount_due: 12.5 }],
}));
const INTERVALS = {
  utility: 'Pacific Gas and Electric',
  type: 'ELECTRIC',
  account: ACCOUNTS[0],
  intervals: [{ start: 1717200000, end: 1717200900, usage: 0.5, ghg_emissions: 0.1 }],
};
/** The TTL of a "not ready" marker in these tests, as the case asks. */
const NOT_READY_TTL_MS = 1_000;

let fake: FakePelm | undefined;
let client: PelmClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
});

/**
 * A fake whose `route` answers `firstAnswer` once and normally afterwards, behind the gateway
 * with its cross-request cache. Retries are off: each failure must reach the resolver for
 * this behaviour to be visible.
 */
async function gatewayFailingOnce(
  route: 'GET /accounts' | 'GET /bills' | 'GET /intervals',
  firstAnswer: FakeAnswer,
): Promise<{ gateway: Gateway; cache: CachingSource }> {
  const normal: Record<string, FakeAnswer> = {
    'GET /accounts': { json: ACCOUNTS },
    'GET /bills': { json: BILLS },
    'GET /intervals': { json: INTERVALS },
  };
  fake = await startFakePelm({
    ...normal,
    [route]: (_call, index) => (index === 0 ? firstAnswer : (normal[route] ?? {})),
  });
  client = new PelmClient({ baseUrl: fake.url, logger: createSilentLogger(), retry: false });
  const cache = createCachingSource(client, { notReadyTtlMs: NOT_READY_TTL_MS });

  return { gateway: createGateway({ source: cache, logger: createSilentLogger() }), cache };
}

const callsTo = (path: string) => fake?.calls.filter((call) => call.path === path).length;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BILLS_QUERY = '{ user { accounts { id bills { id totalAmountDue { amount } } } } }';
const INTERVALS_QUERY = /* GraphQL */ `
  {
    user {
      accounts {
        id
        intervals(type: ELECTRIC, from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z") {
          start
          usage
        }
      }
    }
  }
`;

describe('a failed upstream call is not remembered', () => {
  it('serves the bills on the next request after an internal error, keeping no entry for it', async () => {
    const { gateway, cache } = await gatewayFailingOnce(
      'GET /bills',
      pelmError(503, 'internal_error'),
    );
    const first = await execute(gateway, BILLS_QUERY);

    expect(first.body.data).toEqual({
      user: { accounts: ACCOUNTS.map((account) => ({ id: account.id, bills: null })) },
    });
    expect(errorCodes(first)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
    expect(first.body.errors?.map((error) => error.path?.at(-1))).toEqual([
      'bills',
      'bills',
      'bills',
    ]);
    expect(cache.peek('sandbox-bob', 'bills')).toBeUndefined();

    await pause(100);
    const second = await execute(gateway, BILLS_QUERY);

    expect(second.body.errors).toBeUndefined();
    expect((second.body.data as { user: unknown }).user).toMatchObject({
      accounts: [{ bills: [{ id: 'bill-acc-1' }] }, {}, {}],
    });
    expect(callsTo('/bills')).toBe(2);
  });

  it('repeats data_unavailable only for its short TTL, then serves the bills', async () => {
    const { gateway, cache } = await gatewayFailingOnce(
      'GET /bills',
      pelmError(500, 'data_unavailable'),
    );
    const first = await execute(gateway, BILLS_QUERY);
    const marker = cache.peek('sandbox-bob', 'bills');

    expect(errorCodes(first)).toEqual(['DATA_UNAVAILABLE', 'DATA_UNAVAILABLE', 'DATA_UNAVAILABLE']);
    expect(first.body.errors?.[0]?.extensions?.['retryAfter']).toBe(15);
    expect(marker?.kind).toBe('not-ready');
    expect((marker?.freshUntilMs ?? 0) - (marker?.storedAtMs ?? 0)).toBe(NOT_READY_TTL_MS);

    const within = await execute(gateway, BILLS_QUERY);
    expect(errorCodes(within)).toEqual([
      'DATA_UNAVAILABLE',
      'DATA_UNAVAILABLE',
      'DATA_UNAVAILABLE',
    ]);
    expect(callsTo('/bills')).toBe(1);

    await pause(NOT_READY_TTL_MS + 50);
    const after = await execute(gateway, BILLS_QUERY);

    expect(after.body.errors).toBeUndefined();
    expect(callsTo('/bills')).toBe(2);
  });

  it('serves the intervals on the next request after an internal error', async () => {
    const { gateway, cache } = await gatewayFailingOnce(
      'GET /intervals',
      pelmError(503, 'internal_error'),
    );
    const first = await execute(gateway, INTERVALS_QUERY);
    // Only the first intervals call fails: one account's window, whichever asked first.
    const failedIndex = Number(first.body.errors?.[0]?.path?.[2]);
    const failedAccount = ACCOUNTS[failedIndex]?.id ?? '';
    const window = { type: 'ELECTRIC', startDate: 1717200000, endDate: 1717286400 };
    const cached = (accountId: string) =>
      cache.peek('sandbox-bob', 'intervals', [
        accountId,
        window.type,
        null,
        window.startDate,
        window.endDate,
      ]);

    expect(errorCodes(first)).toEqual(['UPSTREAM_ERROR']);
    expect(first.body.errors?.[0]?.path).toEqual(['user', 'accounts', failedIndex, 'intervals']);
    expect(ACCOUNTS.map((account) => cached(account.id)?.kind)).toEqual(
      ACCOUNTS.map((account) => (account.id === failedAccount ? undefined : 'data')),
    );

    await pause(100);
    const second = await execute(gateway, INTERVALS_QUERY);

    expect(second.body.errors).toBeUndefined();
    expect(
      fake?.calls.filter(
        (call) => call.path === '/intervals' && call.query['account_id'] === failedAccount,
      ),
    ).toHaveLength(2);
    expect(callsTo('/intervals')).toBe(4);
  });

  it('serves the accounts on the next request after Pelm rejected the token once', async () => {
    const { gateway, cache } = await gatewayFailingOnce(
      'GET /accounts',
      pelmError(401, 'token_invalid'),
    );
    const first = await execute(gateway, '{ user { accounts { id } } }');

    expect(first.body.data).toEqual({ user: null });
    expect(errorCodes(first)).toEqual(['UNAUTHENTICATED']);
    expect(cache.peek('sandbox-bob', 'accounts')).toBeUndefined();

    await pause(100);
    const second = await execute(gateway, '{ user { accounts { id } } }');

    expect(second.body.data).toEqual({
      user: { accounts: ACCOUNTS.map((account) => ({ id: account.id })) },
    });
    expect(callsTo('/accounts')).toBe(2);
  });

  it('shares one failure between two aliases of the same request', async () => {
    const { gateway } = await gatewayFailingOnce('GET /bills', pelmError(503, 'internal_error'));
    await execute(gateway, '{ user { accounts { id a: bills { id } b: bills { id } } } }');

    expect(callsTo('/bills')).toBe(1);
  });
});
