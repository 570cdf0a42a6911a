import { afterEach, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import { pelmAccount, pelmError, startFakePelm, type FakePelm } from '../helpers/fake-pelm.js';
import { errorCodes, execute } from '../helpers/stack.js';

const ACCOUNTS = [pelmAccount('acc-1'), pelmAccount('acc-2'), pelmAccount('acc-3')];
const BILLS = ACCOUNTS.map((account) => ({
  account_id: account.id,
  bills: [{ id: `bill-${account.id}`, total_amount_due: 12.5 }],
}));

let fake: FakePelm | undefined;
let client: PelmClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
});

async function gatewayWithFailingBills(
  firstAnswer: ReturnType<typeof pelmError>,
): Promise<Gateway> {
  fake = await startFakePelm({
    'GET /accounts': { json: ACCOUNTS },
    'GET /bills': (_call, index) => (index === 0 ? firstAnswer : { json: BILLS }),
  });
  // Retries off: each failure must reach the resolver for this behaviour to be visible.
  client = new PelmClient({ baseUrl: fake.url, logger: createSilentLogger(), retry: false });

  return createGateway({ source: client, logger: createSilentLogger() });
}

const billCalls = () => fake?.calls.filter((call) => call.path === '/bills').length;

describe('a failed upstream call is not remembered', () => {
  it.each([
    ['an internal error', pelmError(503, 'internal_error'), 'UPSTREAM_ERROR'],
    ['data still syncing', pelmError(500, 'data_unavailable'), 'DATA_UNAVAILABLE'],
  ])('serves the bills on the next request after %s', async (_name, answer, code) => {
    const gateway = await gatewayWithFailingBills(answer);
    const query = '{ user { accounts { id bills { id } } } }';

    const first = await execute(gateway, query);
    expect(first.body.data).toEqual({
      user: {
        accounts: ACCOUNTS.map((account) => ({ id: account.id, bills: null })),
      },
    });
    expect(errorCodes(first)).toEqual([code, code, code]);
    expect(first.body.errors?.map((error) => error.path?.at(-1))).toEqual([
      'bills',
      'bills',
      'bills',
    ]);

    const second = await execute(gateway, query);
    expect(second.body.errors).toBeUndefined();
    expect((second.body.data as { user: unknown }).user).toMatchObject({
      accounts: [{ bills: [{ id: 'bill-acc-1' }] }, {}, {}],
    });
    expect(billCalls()).toBe(2);
  });

  it('shares one failure between two aliases of the same request', async () => {
    const gateway = await gatewayWithFailingBills(pelmError(503, 'internal_error'));
    await execute(gateway, '{ user { accounts { id a: bills { id } b: bills { id } } } }');

    expect(billCalls()).toBe(1);
  });
});
