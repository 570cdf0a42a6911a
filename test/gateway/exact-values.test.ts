import { Big } from 'big.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { createCachingSource } from '../../src/pelm/cache.js';
import { PelmClient } from '../../src/pelm/client.js';
import { BillDetailsDocument } from '../operations/generated.js';
import { pelmAccount, startFakePelm, type FakePelm } from '../helpers/fake-pelm.js';
import { execute } from '../helpers/stack.js';

let fake: FakePelm;
let client: PelmClient;

beforeAll(async () => {
  fake = await startFakePelm({
    'GET /accounts': { json: [{ ...pelmAccount('acc-big'), meters: [{ id: 'm-1' }] }] },
    'GET /bills': {
      json: [
        {
          account_id: 'acc-big',
          bills: [
            {
              id: 'bill-1',
              account_id: 'acc-big',
              start_date: 2147483648,
              end_date: '2150000000',
              statement_date: 2150000000,
              due_date: 4102444800,
              total_amount_due: 1234567.89,
              total_charges: 1234567.89,
              charges: { electric_charges: 1234567.59, gas_charges: 0.1, other_charges: 0.2 },
              electric_usage_kwh: 3000000000.5,
              gas_usage_therm: 2500000000,
            },
            { id: 'bill-2', account_id: 'acc-big', total_amount_due: 100.1 },
            { id: 'bill-3', account_id: 'acc-big', total_amount_due: 200.2 },
            { id: 'bill-4', account_id: 'acc-big', total_amount_due: 300.3 },
          ],
        },
      ],
    },
    'GET /intervals': {
      json: {
        utility: 'Pacific Gas and Electric',
        type: 'ELECTRIC',
        account: pelmAccount('acc-big'),
        intervals: [
          { start: 2147483640, end: 2147484540, usage: 0.1234567, ghg_emissions: 0.000012345 },
        ],
      },
    },
  });
  client = new PelmClient({ baseUrl: fake.url, logger: createSilentLogger() });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});

describe('large, precise and far-future values come through exactly', () => {
  it('keeps money exact, usage beyond 32 bits and dates after 2038', async () => {
    const gateway = createGateway({ source: client, logger: createSilentLogger() });
    const response = await execute(gateway, BillDetailsDocument, {
      token: 'big-token',
      variables: { from: '2038-01-19T00:00:00Z', to: '2038-01-20T00:00:00Z' },
    });

    expect(response.body.errors).toBeUndefined();
    const account = response.body.data?.user?.accounts?.[0];
    const bills = account?.bills ?? [];
    const first = bills.find((bill) => bill.id === 'bill-1');
    expect(first).toEqual({
      id: 'bill-1',
      accountId: 'acc-big',
      startDate: '2038-01-19T03:14:08Z',
      endDate: '2038-02-17T06:13:20Z',
      statementDate: '2038-02-17T06:13:20Z',
      dueDate: '2100-01-01T00:00:00Z',
      paymentDate: null,
      totalAmountDue: { amount: '1234567.89', currency: 'USD' },
      totalCharges: { amount: '1234567.89' },
      charges: {
        electric: { amount: '1234567.59' },
        gas: { amount: '0.1' },
        other: { amount: '0.2' },
      },
      electricUsage: { value: 3000000000.5, unit: 'KWH' },
      gasUsage: { value: 2500000000, unit: 'THERM' },
    });
    const charges = first?.charges;
    const sum = [charges?.electric, charges?.gas, charges?.other].reduce(
      (total, part) => total.plus(part?.amount ?? '0'),
      new Big(0),
    );
    expect(sum.eq(first?.totalAmountDue?.amount ?? 'NaN')).toBe(true);
    const small = bills
      .filter((bill) => bill.id !== 'bill-1')
      .reduce((total, bill) => total.plus(bill.totalAmountDue?.amount ?? '0'), new Big(0));
    expect(small.toFixed(2)).toBe('600.60');

    expect(account?.intervals).toEqual([
      {
        start: '2038-01-19T03:14:00Z',
        end: '2038-01-19T03:29:00Z',
        usage: 0.1234567,
        ghgEmissions: 0.000012345,
      },
    ]);
    expect(fake.calls.find((call) => call.path === '/intervals')?.query).toMatchObject({
      start_date: '2147472000',
      end_date: '2147558400',
    });
  });

  it('serves the same exact values from the cross-request cache, with no upstream call', async () => {
    const gateway = createGateway({
      source: createCachingSource(client),
      logger: createSilentLogger(),
    });
    const variables = { from: '2038-01-19T00:00:00Z', to: '2038-01-20T00:00:00Z' };
    const fromPelm = await execute(gateway, BillDetailsDocument, { token: 'big-token', variables });
    const callsBefore = fake.calls.length;
    const fromCache = await execute(gateway, BillDetailsDocument, {
      token: 'big-token',
      variables,
    });

    expect(fromPelm.body.errors).toBeUndefined();
    expect(fromCache.body).toEqual(fromPelm.body);
    expect(fake.calls).toHaveLength(callsBefore);
    expect(fromCache.body.data?.user?.accounts?.[0]?.bills?.[0]?.totalAmountDue?.amount).toBe(
      '1234567.89',
    );
  });
});
