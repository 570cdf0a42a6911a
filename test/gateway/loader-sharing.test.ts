import { describe, expect, it } from 'vitest';

import { execute, startStack, useStack } from '../helpers/stack.js';

const stack = useStack();

const DAY = 'from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z"';
const DAY_WITH_MS = 'from: "2024-06-01T00:00:00.000Z", to: "2024-06-02T00:00:00.000Z"';

describe('equal composite loader keys share one upstream call', () => {
  it('asks each distinct window once per account, whatever the aliases or spelling', async () => {
    const response = await execute(
      stack.gateway,
      /* GraphQL */ `{ user { accounts { id
        a: intervals(type: ELECTRIC, ${DAY}) { start usage }
        b: intervals(type: ELECTRIC, ${DAY}) { start usage }
        c: intervals(type: GAS, ${DAY}) { start usage }
        d: intervals(type: ELECTRIC, ${DAY_WITH_MS}) { start usage }
        x: bills { id }
        y: bills { totalAmountDue { amount } } } } }`,
    );
    type Row = Record<string, Array<{ start: string; usage: number }>>;
    const accounts = (response.body.data as { user: { accounts: Row[] } }).user.accounts;

    expect(response.body.errors).toBeUndefined();
    expect(accounts).toHaveLength(3);
    for (const account of accounts) {
      expect(account['a']).toHaveLength(96);
      expect(account['b']).toEqual(account['a']);
      expect(account['d']).toEqual(account['a']);
      expect(account['c']).toHaveLength(1);
    }

    const intervalCalls = stack.sandbox.calls.filter((call) => call.path === '/intervals');
    expect(intervalCalls).toHaveLength(6);
    expect(intervalCalls.map((call) => call.query['type']).sort()).toEqual([
      'ELECTRIC',
      'ELECTRIC',
      'ELECTRIC',
      'GAS',
      'GAS',
      'GAS',
    ]);
    for (const call of intervalCalls) {
      expect(call.query).toMatchObject({ start_date: '1717200000', end_date: '1717286400' });
    }

    expect(
      stack
        .calls()
        .filter((call) => call !== 'GET /intervals')
        .sort(),
    ).toEqual(['GET /accounts', 'GET /bills']);
  });

  it('costs the same when the window is written in a fragment spread twice', async () => {
    await execute(
      stack.gateway,
      /* GraphQL */ `
        query { user { accounts { id ...Day ...Day bills { id } } } }
        fragment Day on Account {
          e: intervals(type: ELECTRIC, ${DAY}) { start }
          g: intervals(type: GAS, ${DAY}) { start }
        }`,
    );

    expect(stack.calls()).toHaveLength(8);
  });

  it('costs the same 8 calls through a cold cross-request cache', async () => {
    const cold = await startStack({ cache: true });
    try {
      const response = await execute(
        cold.gateway,
        /* GraphQL */ `{ user { accounts { id
          a: intervals(type: ELECTRIC, ${DAY}) { start usage }
          b: intervals(type: ELECTRIC, ${DAY_WITH_MS}) { start usage }
          c: intervals(type: GAS, ${DAY}) { start usage }
          x: bills { id }
          y: bills { totalAmountDue { amount } } } } }`,
      );

      expect(response.body.errors).toBeUndefined();
      expect(cold.calls().sort()).toEqual([
        'GET /accounts',
        'GET /bills',
        ...Array.from({ length: 6 }, () => 'GET /intervals'),
      ]);
    } finally {
      await cold.close();
    }
  });

  it('makes one GET /accounts for several aliases of the user', async () => {
    const response = await execute(
      stack.gateway,
      '{ a: user { accounts { id } } b: user { accounts { id } } c: user { accounts { id } } }',
    );
    const data = response.body.data as Record<string, unknown>;

    expect(data['a']).toEqual(data['b']);
    expect(data['b']).toEqual(data['c']);
    expect(stack.calls()).toEqual(['GET /accounts']);
  });
});
