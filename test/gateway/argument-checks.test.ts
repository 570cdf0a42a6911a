import { describe, expect, it } from 'vitest';

import { errorCodes, execute, useStack } from '../helpers/stack.js';

const stack = useStack();

const DAY = 'from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z"';

interface Meters {
  user: { accounts: Array<{ id: string; meters: Array<{ id: string }> }> };
}

/** The errors' codes and argument names, in order. */
function refusals(response: Awaited<ReturnType<typeof execute>>) {
  return (response.body.errors ?? []).map((error) => [
    error.extensions?.['code'],
    error.extensions?.['argumentName'],
    error.message,
  ]);
}

describe('arguments checked before Pelm is asked', () => {
  it("refuses an account's intervals read by another account's meter id", async () => {
    const listing = await execute<Meters, never>(
      stack.gateway,
      '{ user { accounts { id meters { id } } } }',
    );
    const [first, second] = listing.body.data?.user.accounts ?? [];
    const foreignMeter = second?.meters[0]?.id;
    expect(foreignMeter).toBeDefined();
    stack.resetCalls();

    const response = await execute(
      stack.gateway,
      `{ user { accounts(ids: ["${first?.id}"]) { id ` +
        `intervals(meterId: "${foreignMeter}", ${DAY}) { usage } } } }`,
    );

    expect(response.body.data).toEqual({
      user: { accounts: [{ id: first?.id, intervals: null }] },
    });
    expect(refusals(response)).toEqual([
      ['BAD_USER_INPUT', 'meterId', `Account ${first?.id} has no meter ${foreignMeter}.`],
    ]);
    expect(stack.calls()).toEqual(['GET /accounts']);
  });

  it('reads an account’s intervals by one of its own meters', async () => {
    const listing = await execute<Meters, never>(
      stack.gateway,
      '{ user { accounts { id meters { id } } } }',
    );
    const account = listing.body.data?.user.accounts[0];
    const response = await execute<{ user: { accounts: Array<{ intervals: unknown[] }> } }, never>(
      stack.gateway,
      `{ user { accounts(ids: ["${account?.id}"]) { ` +
        `intervals(meterId: "${account?.meters[0]?.id}", ${DAY}) { usage } } } }`,
    );

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.user.accounts[0]?.intervals.length).toBeGreaterThan(0);
  });

  it('refuses intervals of a meter type the account does not have, naming the type', async () => {
    const response = await execute<{ user: { accounts: Array<{ id: string }> } }, never>(
      stack.gateway,
      `{ user { accounts { id intervals(type: GAS, ${DAY}) { usage } } } }`,
      { token: 'sandbox-alice-sce' },
    );
    const account = response.body.data?.user.accounts[0]?.id;

    expect(refusals(response)).toEqual([
      ['BAD_USER_INPUT', 'type', `Account ${account} has no GAS intervals.`],
    ]);
    expect(stack.calls().filter((call) => call === 'GET /intervals')).toEqual([]);
  });

  it('refuses bills whose range starts at or after its end', async () => {
    const response = await execute(
      stack.gateway,
      '{ user { accounts { bills(from: "2024-05-01T00:00:00Z", to: "2024-01-01T00:00:00Z") ' +
        '{ id } } } }',
      { token: 'sandbox-alice-sce' },
    );

    expect(refusals(response)).toEqual([['BAD_USER_INPUT', 'from', '`from` must be before `to`.']]);
  });

  it('refuses intervals from before 1970, naming the argument', async () => {
    const response = await execute(
      stack.gateway,
      '{ user { accounts { intervals(type: ELECTRIC, from: "1969-12-31T00:00:00Z", ' +
        'to: "1970-01-02T00:00:00Z") { usage } } } }',
      { token: 'sandbox-alice-sce' },
    );

    expect(refusals(response)).toEqual([
      ['BAD_USER_INPUT', 'from', '`from` must be 1970-01-01T00:00:00Z or later.'],
    ]);
    expect(stack.calls().filter((call) => call === 'GET /intervals')).toEqual([]);
  });

  it('refuses an empty or oversized user id without asking Pelm', async () => {
    for (const id of ['', 'x'.repeat(257)]) {
      const response = await execute(stack.gateway, `{ user(id: "${id}") { credentialsValid } }`);

      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.extensions?.['argumentName']).toBe('id');
    }

    expect(stack.calls()).toEqual([]);
  });

  it('reads a year for three accounts without Node warning about abort listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const response = await execute(
        stack.gateway,
        '{ user { accounts { intervalSeries(type: ELECTRIC, from: "2023-07-01T00:00:00Z", ' +
          'to: "2024-07-01T00:00:00Z") { count } } } }',
      );
      await new Promise((resolve) => setImmediate(resolve));

      expect(response.body.errors).toBeUndefined();
      expect(stack.calls().filter((call) => call === 'GET /intervals')).toHaveLength(21);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
