import { describe, expect, it } from 'vitest';

import { errorCodes, execute, useStack } from '../helpers/stack.js';

const stack = useStack();

function aliasFlood(count: number): string {
  const users = Array.from(
    { length: count },
    (_, index) => `u${index + 1}: user { accounts { bills { id } } }`,
  );

  return `{ ${users.join(' ')} }`;
}

function dailyWindowFlood(): string {
  const start = Date.parse('2023-01-01T00:00:00Z');
  const windows = Array.from({ length: 365 }, (_, day) => {
    const from = new Date(start + day * 86_400_000).toISOString();
    const to = new Date(start + (day + 1) * 86_400_000).toISOString();

    return `w${day + 1}: intervals(type: ELECTRIC, from: "${from}", to: "${to}") { usage }`;
  });

  return `{ user { accounts { ${windows.join(' ')} } } }`;
}

describe('aliases and batched operations cannot multiply upstream work', () => {
  it('refuses 500 aliases of the user before execution', async () => {
    const query = aliasFlood(500);
    const response = await execute(stack.gateway, query);

    expect(query.length).toBeGreaterThan(20_000);
    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.data ?? null).toBeNull();
    expect(stack.calls()).toEqual([]);
  });

  it('refuses one alias per day of 2023 before execution', async () => {
    const response = await execute(stack.gateway, dailyWindowFlood());

    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.data ?? null).toBeNull();
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a batch of 100 operations as a whole', async () => {
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
      body: JSON.stringify(
        Array.from({ length: 100 }, () => ({ query: '{ user { accounts { id } } }' })),
      ),
    });

    expect(response.status).toBe(400);
    expect(stack.calls()).toEqual([]);
  });

  it('answers three aliases of the user with one accounts call, then the baseline with two', async () => {
    const benign = await execute<Record<'a' | 'b' | 'c', unknown>, never>(
      stack.gateway,
      '{ a: user { accounts { id } } b: user { accounts { id } } c: user { accounts { id } } }',
    );

    expect(benign.body.errors).toBeUndefined();
    expect(benign.body.data?.a).toEqual(benign.body.data?.b);
    expect(benign.body.data?.b).toEqual(benign.body.data?.c);
    expect(stack.calls()).toEqual(['GET /accounts']);

    stack.resetCalls();
    const baseline = await execute(stack.gateway, '{ user { accounts { id bills { id } } } }');

    expect(baseline.body.errors).toBeUndefined();
    expect(stack.calls().sort()).toEqual(['GET /accounts', 'GET /bills']);
  });
});
