import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z, ZodError } from 'zod';
import {
  intervalSchema,
  IntervalShapeError,
  parseAccessToken,
  parseAccounts,
  parseBillGroups,
  parseBills,
  parseConnectToken,
  parseErrorBody,
  parseIntervalList,
  parseIntervals,
  parseUser,
} from '../../src/pelm/payloads.js';
import type { PelmAccount } from '../../src/pelm/types.js';

function fixture(name: string): unknown {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/pelm-samples/${name}`, import.meta.url), 'utf8'),
  );
}

const SANDBOX_GAS_AND_ELECTRIC: PelmAccount = {
  id: 'ea100000-0000-0000-0000-000000000000',
  accountNumber: '1077345636',
  address: '1 WARRIORS WAY SAN FRANCISCO CA 94158',
  availableMeterTypes: ['GAS', 'ELECTRIC'],
  usageUnit: 'kwh',
  gasUsageUnit: 'therm',
  ghgEmissionsUnit: 'kg_co2e',
  meters: [],
};

const BILL = {
  id: 'b1',
  account_id: 'a1',
  start_date: 1651388400,
  end_date: 1653980400,
  statement_date: 1654153200,
  due_date: 1655967600,
  payment_date: null,
  total_amount_due: 182.44,
  total_charges: 182.44,
  charges: { electric_charges: 151.1, gas_charges: 27.93, other_charges: 3.41 },
  electric_usage_kwh: 512,
  gas_usage_therm: 14,
};

describe('sample fixtures', () => {
  it('parses accounts.sandbox.json to the two sandbox accounts', () => {
    expect(parseAccounts(fixture('accounts.sandbox.json'))).toEqual([
      SANDBOX_GAS_AND_ELECTRIC,
      {
        id: 'ea200000-0000-0000-0000-000000000000',
        accountNumber: '2077345636',
        address: '1 FERRY BUILDING SAN FRANCISCO CA 94105',
        availableMeterTypes: ['ELECTRIC'],
        usageUnit: 'kwh',
        gasUsageUnit: null,
        ghgEmissionsUnit: 'kg_co2e',
        meters: [],
      },
    ]);
  });

  it('parses intervals.electric.sandbox.json with every value it holds', () => {
    const parsed = parseIntervals(fixture('intervals.electric.sandbox.json'));

    expect(parsed.utility).toBe('Pacific Gas and Electric');
    expect(parsed.type).toBe('ELECTRIC');
    expect(parsed.account).toEqual(SANDBOX_GAS_AND_ELECTRIC);
    expect(parsed.intervals).toHaveLength(109);
    expect(parsed.intervals[0]).toEqual({
      start: 1654646400,
      end: 1654650000,
      usage: 4.8628,
      ghgEmissions: 0.5951260218305533,
    });
    expect(parsed.intervals.at(-1)).toEqual({
      start: 1655035200,
      end: 1655038800,
      usage: 1.7352,
      ghgEmissions: 0.5091645455520979,
    });
    const usageSum = parsed.intervals.reduce((sum, interval) => sum + interval.usage, 0);
    expect(usageSum.toFixed(4)).toBe('181.9102');
    expect(parsed.intervals.every((interval) => interval.end - interval.start === 3600)).toBe(true);
    const usages = parsed.intervals.map((interval) => interval.usage);
    expect(Math.min(...usages)).toBe(0.2121);
    expect(Math.max(...usages)).toBe(5.0481);
  });
});

describe('accounts', () => {
  const current = {
    id: 'a1',
    account_number: '0042',
    address: 'X',
    available_meter_types: ['ELECTRIC'],
    usage_unit: 'kwh',
  };

  it('reads the legacy unit, ghg_emission_unit and available_meter_type names', () => {
    const [account] = parseAccounts([
      {
        id: 'a1',
        account_number: '0042',
        address: 'X',
        available_meter_type: ['GAS'],
        unit: 'mwh',
        ghg_emission_unit: 'kg_co2',
      },
    ]);

    expect(account).toMatchObject({
      availableMeterTypes: ['GAS'],
      usageUnit: 'mwh',
      ghgEmissionsUnit: 'kg_co2',
    });
  });

  it('accepts the misspelt available_meter_type holding one value', () => {
    const [account] = parseAccounts([
      { ...current, available_meter_types: undefined, available_meter_type: 'GAS' },
    ]);

    expect(account?.availableMeterTypes).toEqual(['GAS']);
  });

  it('prefers the current field names when both generations are present', () => {
    const [account] = parseAccounts([
      { ...current, unit: 'therm', ghg_emissions_unit: 'kg_co2e', ghg_emission_unit: 'kg_co2' },
    ]);

    expect(account).toMatchObject({ usageUnit: 'kwh', ghgEmissionsUnit: 'kg_co2e' });
  });

  it('reads meters and strips unknown fields', () => {
    const [account] = parseAccounts([
      { ...current, meters: [{ id: 'm1', serial: 'S' }], tariff: 'E-1', nested: { a: 1 } },
    ]);

    expect(account).toEqual({
      id: 'a1',
      accountNumber: '0042',
      address: 'X',
      availableMeterTypes: ['ELECTRIC'],
      usageUnit: 'kwh',
      gasUsageUnit: null,
      ghgEmissionsUnit: null,
      meters: [{ id: 'm1' }],
    });
  });

  it.each([
    ['a missing id', { ...current, id: undefined }],
    ['a numeric account number', { ...current, account_number: 42 }],
    ['an unknown meter type', { ...current, available_meter_types: ['WATER'] }],
    ['no meter types at all', { ...current, available_meter_types: undefined }],
    ['a meter without id', { ...current, meters: [{}] }],
  ])('rejects an account with %s', (_label, account) => {
    expect(() => parseAccounts([account])).toThrow(ZodError);
  });

  it('rejects a body that is not an array', () => {
    expect(() => parseAccounts({ error_code: 'data_unavailable' })).toThrow(ZodError);
  });
});

describe('intervals', () => {
  const envelope = (intervals: unknown[]) => ({ utility: 'U', type: 'GAS', intervals });

  it('reads the legacy value field as usage', () => {
    const parsed = parseIntervals(envelope([{ start: 0, end: 900, value: 3 }]));

    expect(parsed.intervals).toEqual([{ start: 0, end: 900, usage: 3, ghgEmissions: null }]);
  });

  it('accepts epochs beyond 2^31, negative usage (exports) and integer usage', () => {
    const parsed = parseIntervals(
      envelope([{ start: 2147483648, end: 4102444800, usage: -2, ghg_emissions: null }]),
    );

    expect(parsed.intervals).toEqual([
      { start: 2147483648, end: 4102444800, usage: -2, ghgEmissions: null },
    ]);
  });

  it('treats a missing envelope field as null and strips unknown ones', () => {
    expect(parseIntervals({ intervals: [], granularity: 900 })).toEqual({
      utility: null,
      type: null,
      account: null,
      intervals: [],
    });
  });

  const bad: [string, unknown][] = [
    ['a string usage', { start: 0, end: 1, usage: '1.5' }],
    ['no usage', { start: 0, end: 1 }],
    ['a null usage', { start: 0, end: 1, usage: null }],
    ['a bad legacy value next to usage', { start: 0, end: 1, usage: 1, value: 'x' }],
    ['a fractional start', { start: 0.5, end: 1, usage: 1 }],
    ['a negative end', { start: 0, end: -1, usage: 1 }],
    ['a string start', { start: '0', end: 1, usage: 1 }],
    ['a start beyond safe integers', { start: 2 ** 53, end: 1, usage: 1 }],
    ['a string ghg_emissions', { start: 0, end: 1, usage: 1, ghg_emissions: '0.1' }],
    ['an array entry', [0, 1, 2]],
    ['a null entry', null],
  ];

  it.each(bad)('rejects an interval with %s, in both validators', (_label, item) => {
    expect(() => parseIntervalList([item])).toThrow(IntervalShapeError);
    expect(() => z.array(intervalSchema).parse([item])).toThrow(ZodError);
  });

  it('rejects NaN and Infinity usage (only reachable from non-JSON input)', () => {
    expect(() => parseIntervalList([{ start: 0, end: 1, usage: Number.NaN }])).toThrow(
      IntervalShapeError,
    );
    expect(() => parseIntervalList([{ start: 0, end: 1, usage: Infinity }])).toThrow(
      IntervalShapeError,
    );
  });

  it('names the failing path, never the value', () => {
    expect(() =>
      parseIntervalList([
        { start: 0, end: 1, usage: 1 },
        { start: 0, end: 1, usage: 'secret-ish' },
      ]),
    ).toThrow('Invalid interval at intervals.1.usage: expected a finite number.');
  });

  it('rejects a body without an intervals array', () => {
    expect(() => parseIntervals({ utility: 'U' })).toThrow(ZodError);
  });

  it('agrees with the zod reference schema on valid input', () => {
    const items = [
      { start: 0, end: 900, usage: 1.25, ghg_emissions: 0.5, extra: true },
      { start: 900, end: 1800, value: 2 },
      { start: 1800, end: 2700, usage: 0, ghg_emissions: null },
    ];

    expect(parseIntervalList(items)).toEqual(z.array(intervalSchema).parse(items));
  });

  it('validates every one of 35,040 intervals, a year at 15 minutes', () => {
    const items = Array.from({ length: 35_040 }, (_, index) => ({
      start: 1_700_000_000 + index * 900,
      end: 1_700_000_900 + index * 900,
      usage: (index % 97) / 10,
      ghg_emissions: (index % 13) / 100,
    }));
    const parsed = parseIntervalList(items);

    expect(parsed).toHaveLength(35_040);
    expect(parsed.at(-1)).toEqual({
      start: 1_700_000_000 + 35_039 * 900,
      end: 1_700_000_900 + 35_039 * 900,
      usage: (35_039 % 97) / 10,
      ghgEmissions: (35_039 % 13) / 100,
    });
    // The speed of this validator is measured by the benchmark, not asserted here.
    items[30_000] = { ...items[30_000], usage: Number.NaN } as (typeof items)[number];
    expect(() => parseIntervalList(items)).toThrow();
  });
});

describe('bills', () => {
  it('maps a full bill to the normalised shape', () => {
    expect(parseBills([BILL])).toEqual([
      {
        id: 'b1',
        accountId: 'a1',
        startDate: 1651388400,
        endDate: 1653980400,
        statementDate: 1654153200,
        dueDate: 1655967600,
        paymentDate: null,
        totalAmountDue: 182.44,
        totalCharges: 182.44,
        charges: { electric: 151.1, gas: 27.93, other: 3.41 },
        electricUsageKwh: 512,
        gasUsageTherm: 14,
      },
    ]);
  });

  it('reads numeric-string dates as the same epoch seconds, past 2^31 too', () => {
    const [bill] = parseBills([
      {
        id: 'b1',
        start_date: '2150000000',
        end_date: 2150000000,
        statement_date: 2147483648,
        due_date: '4102444800',
        payment_date: 4102444800,
      },
    ]);

    expect(bill).toMatchObject({
      startDate: 2150000000,
      endDate: 2150000000,
      statementDate: 2147483648,
      dueDate: 4102444800,
      paymentDate: 4102444800,
    });
  });

  it('reads the legacy bill_*_date names, preferring the current ones', () => {
    const [legacy, both] = parseBills([
      { id: 'b1', bill_start_date: 1, bill_end_date: '2', bill_statement_date: 3 },
      { id: 'b2', start_date: 10, bill_start_date: 1 },
    ]);

    expect(legacy).toMatchObject({ startDate: 1, endDate: 2, statementDate: 3 });
    expect(both?.startDate).toBe(10);
  });

  it('makes every missing or null field null, and strips unknown fields', () => {
    const [bill] = parseBills([{ id: 'b1', total_amount_due: null, late_fee: 3, charges: {} }]);

    expect(bill).toEqual({
      id: 'b1',
      accountId: null,
      startDate: null,
      endDate: null,
      statementDate: null,
      dueDate: null,
      paymentDate: null,
      totalAmountDue: null,
      totalCharges: null,
      charges: { electric: null, gas: null, other: null },
      electricUsageKwh: null,
      gasUsageTherm: null,
    });
  });

  it.each([
    ['no id', { start_date: 1 }],
    ['a numeric id', { id: 7 }],
    ['a NaN-like date string', { id: 'b', start_date: 'NaN' }],
    ['a negative date', { id: 'b', due_date: -5 }],
    ['a signed date string', { id: 'b', due_date: '-5' }],
    ['a fractional date string', { id: 'b', due_date: '1651388400.5' }],
    ['a date in an exponent string', { id: 'b', due_date: '2e9' }],
    ['an amount as a string', { id: 'b', total_amount_due: '182.44' }],
    ['charges as a number', { id: 'b', charges: 5 }],
  ])('rejects a bill with %s', (_label, bill) => {
    expect(() => parseBills([bill])).toThrow(ZodError);
  });
});

describe('bill groups', () => {
  it('validates each group on its own', () => {
    const groups = parseBillGroups([
      { account_id: 'a1', bills: [BILL] },
      { account_id: 'a2', bills: [{ ...BILL, id: 42 }] },
      { account_id: 'a3', bills: [] },
      { account_id: 'a4' },
    ]);

    expect([...groups.keys()]).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(groups.get('a1')).toEqual(parseBills([BILL]));
    expect(groups.get('a2')).toBeInstanceOf(ZodError);
    expect(groups.get('a3')).toEqual([]);
    expect(groups.get('a4')).toBeInstanceOf(ZodError);
  });

  it('joins two groups for one account, and an error in either spoils both', () => {
    const joined = parseBillGroups([
      { account_id: 'a1', bills: [BILL] },
      { account_id: 'a1', bills: [{ ...BILL, id: 'b2' }] },
      { account_id: 'a2', bills: [BILL] },
      { account_id: 'a2', bills: 'nope' },
    ]);

    expect((joined.get('a1') as { id: string }[]).map((bill) => bill.id)).toEqual(['b1', 'b2']);
    expect(joined.get('a2')).toBeInstanceOf(Error);
  });

  it.each([
    ['an error object', { error_code: 'data_unavailable', message: 'loading' }],
    ['null', null],
    ['a string', 'bills'],
  ])('fails the whole body when it is %s', (_label, body) => {
    expect(() => parseBillGroups(body)).toThrow(TypeError);
  });

  it('fails the whole body when a group has no account id to attribute it to', () => {
    expect(() => parseBillGroups([{ account_id: 'a1', bills: [] }, { bills: [] }])).toThrow(
      ZodError,
    );
  });
});

describe('user and auth bodies', () => {
  it('parses the documented user', () => {
    expect(
      parseUser({
        id: '72be9d5c-f7c7-4d53-bafc-8846232ee02b',
        utility: { id: 1, full_name: 'Pacific Gas & Electricity' },
        utility_username: 'jane@example.com',
        credentials_valid: true,
      }),
    ).toEqual({
      id: '72be9d5c-f7c7-4d53-bafc-8846232ee02b',
      utility: { id: 1, fullName: 'Pacific Gas & Electricity' },
      utilityUsername: 'jane@example.com',
      credentialsValid: true,
    });
  });

  it('reads a utility id sent as a string and nulls missing user fields', () => {
    expect(parseUser({ id: 'u', utility: { id: '8', full_name: 'C' } })).toEqual({
      id: 'u',
      utility: { id: 8, fullName: 'C' },
      utilityUsername: null,
      credentialsValid: null,
    });
  });

  it('rejects a user with a string credentials_valid', () => {
    expect(() => parseUser({ id: 'u', credentials_valid: 'true' })).toThrow(ZodError);
  });

  it('parses a connect token with expires_in as a number or a string', () => {
    expect(parseConnectToken({ connect_token: 'c', expires_in: 1800 })).toEqual({
      connectToken: 'c',
      expiresIn: 1800,
    });
    expect(parseConnectToken({ connect_token: 'c', expires_in: '1800' }).expiresIn).toBe(1800);
    expect(parseConnectToken({ connect_token: 'c' }).expiresIn).toBeNull();
    expect(() => parseConnectToken({ expires_in: 1800 })).toThrow(ZodError);
  });

  it('parses an access token and ignores the legacy refresh fields', () => {
    expect(
      parseAccessToken({
        access_token: 't',
        access_token_expires_in: 3600,
        refresh_token: 'r',
        refresh_token_expires_in: 31536000,
      }),
    ).toEqual({ accessToken: 't' });
    expect(() => parseAccessToken({ access_token: '' })).toThrow(ZodError);
  });
});

describe('parseErrorBody', () => {
  it.each([
    [{ error_code: 'data_unavailable', message: 'loading' }, 'data_unavailable'],
    [{ error: 'token_invalid' }, 'token_invalid'],
    [{ error_code: 'quota_reached', error: 'other' }, 'quota_reached'],
    [{ error_code: 'pg: connection refused 10.0.3.7' }, undefined],
    [{ error_code: 5 }, undefined],
    [{ message: 'nope' }, undefined],
    [['error_code'], undefined],
    ['token_invalid', undefined],
    [null, undefined],
  ])('reads %j as %s', (body, expected) => {
    expect(parseErrorBody(body)).toBe(expected);
  });
});
