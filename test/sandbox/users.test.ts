import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_USER_DIRECTORY, findUserByToken } from '../../src/sandbox/fixtures.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NOW, call, getOk, type AccountBody } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ADDRESS = /^\d+ [A-Z][A-Z ]+ [A-Z][A-Z ]+ CA 9\d{4}$/;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});

afterAll(async () => {
  await sandbox.close();
});

describe('the user directory', () => {
  it('documents every fixed token and both token patterns', () => {
    expect(SANDBOX_USER_DIRECTORY.map((entry) => [entry.token, entry.userId])).toEqual([
      ['sandbox-pelm', 'pelm-sandbox-user'],
      ['sandbox-bob', 'bob'],
      ['sandbox-alice-sce', 'alice-sce'],
      ['sandbox-alice-socalgas', 'alice-socalgas'],
      ['sandbox-stale', 'stale'],
      ['sandbox-new-<name>', 'new-<name>'],
      ['sandbox-user-<n>', 'user-<n>'],
    ]);
  });

  it('matches what the tokens resolve to', () => {
    for (const entry of SANDBOX_USER_DIRECTORY) {
      const token = entry.token.replace('<name>', 'x').replace('<n>', '7');
      const user = findUserByToken(token);

      expect(user?.userId).toBe(entry.userId.replace('<name>', 'x').replace('<n>', '7'));
      expect(user?.utility.fullName).toBe(entry.utility);
    }
  });
});

describe('fixture accounts', () => {
  it('gives bob three houses with electric and gas meters', async () => {
    const accounts = await getOk<AccountBody[]>(sandbox, '/accounts');

    expect(accounts).toHaveLength(3);
    for (const account of accounts) {
      expect(Object.keys(account)).toEqual([
        'id',
        'account_number',
        'address',
        'available_meter_types',
        'usage_unit',
        'gas_usage_unit',
        'ghg_emissions_unit',
        'meters',
      ]);
      expect(account).toMatchObject({
        available_meter_types: ['GAS', 'ELECTRIC'],
        usage_unit: 'kwh',
        gas_usage_unit: 'therm',
        ghg_emissions_unit: 'kg_co2e',
      });
      expect(account.meters).toHaveLength(2);
    }
  });

  it('gives alice one SCE electric account and one SoCalGas gas account', async () => {
    const [sce] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-alice-sce');
    const [gas] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-alice-socalgas');

    expect(sce).toMatchObject({
      available_meter_types: ['ELECTRIC'],
      ghg_emissions_unit: 'kg_co2e',
    });
    expect(sce).not.toHaveProperty('gas_usage_unit');
    expect(sce?.meters).toHaveLength(1);
    expect(gas).toMatchObject({ available_meter_types: ['GAS'], gas_usage_unit: 'therm' });
    expect(gas).not.toHaveProperty('usage_unit');
    expect(gas).not.toHaveProperty('ghg_emissions_unit');
  });

  it('gives user-<n> 1 + n % 5 accounts with gas on every other one', async () => {
    for (let n = 0; n < 10; n += 1) {
      const accounts = await getOk<AccountBody[]>(sandbox, '/accounts', `sandbox-user-${n}`);

      expect(accounts).toHaveLength(1 + (n % 5));
      accounts.forEach((account, index) => {
        expect(account.available_meter_types).toEqual(
          index % 2 === 0 ? ['GAS', 'ELECTRIC'] : ['ELECTRIC'],
        );
      });
    }

    expect(await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-user-99999')).toHaveLength(5);
  });

  it('uses UUID-shaped ids, 10-digit numbers and California addresses, unique across users', async () => {
    const tokens = [
      'sandbox-bob',
      'sandbox-alice-sce',
      'sandbox-alice-socalgas',
      'sandbox-stale',
      ...Array.from({ length: 30 }, (_, n) => `sandbox-user-${n}`),
    ];
    const ids: string[] = [];
    for (const token of tokens) {
      for (const account of await getOk<AccountBody[]>(sandbox, '/accounts', token)) {
        expect(account.id).toMatch(UUID);
        expect(account.account_number).toMatch(/^[1-9]\d{9}$/);
        expect(account.address).toMatch(ADDRESS);
        ids.push(account.id, ...(account.meters ?? []).map((meter) => meter.id));
      }
    }

    expect(ids.every((id) => UUID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers the same accounts for the same token every time', async () => {
    const first = await call(sandbox, '/accounts', { token: 'sandbox-user-77' });
    const again = await call(sandbox, '/accounts', { token: 'sandbox-user-77' });

    expect(again.text).toBe(first.text);
  });
});
