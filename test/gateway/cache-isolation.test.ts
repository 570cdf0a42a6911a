import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createGateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { createCachingSource } from '../../src/pelm/cache.js';
import { createTokenHasher, type TokenHasher } from '../../src/token-hash.js';
import { errorCodes, execute, startStack, type Stack } from '../helpers/stack.js';

const TOKENS = ['sandbox-bob', 'sandbox-alice-sce', 'sandbox-alice-socalgas'];
const QUERY = /* GraphQL */ `
  {
    user {
      accounts {
        id
        accountNumber
        address
        bills {
          id
          totalAmountDue {
            amount
          }
        }
      }
    }
  }
`;

/** The headline reads, with two bills per account to keep 10,000 answers quick to build. */
const INTERLEAVED = /* GraphQL */ `
  {
    user {
      accounts {
        id
        accountNumber
        address
        bills(limit: 2) {
          id
        }
      }
    }
  }
`;

interface Answer {
  user: {
    accounts: Array<{
      id: string;
      accountNumber: string;
      address: string;
      bills: Array<{ id: string }>;
    }>;
  } | null;
}

/** Every account id, number, address and bill id in an answer: what must never cross tokens. */
function identifiers(data: unknown): Set<string> {
  const found = new Set<string>();
  for (const account of (data as Answer).user?.accounts ?? []) {
    found.add(`account:${account.id}`);
    found.add(`number:${account.accountNumber}`);
    found.add(`address:${account.address}`);
    for (const bill of account.bills) {
      found.add(`bill:${bill.id}`);
    }
  }

  return found;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ cache: { tokenHasher: createTokenHasher('c1-test-secret-0123') } });
  // Pelm answers tempt any cache that honours upstream headers to share them.
  stack.sandbox.faults.add({ kind: 'public-cache' });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.resetCalls();
});

describe('cached upstream answers are never served to another token', () => {
  it('answers each token with its own data, one accounts and one bills call each', async () => {
    const answers = new Map<string, unknown>();
    for (const token of TOKENS) {
      const response = await execute(stack.gateway, QUERY, { token });
      expect(response.body.errors).toBeUndefined();
      answers.set(token, response.body.data);
    }

    const counts = TOKENS.map((token) => (answers.get(token) as Answer).user?.accounts.length);
    expect(counts).toEqual([3, 1, 1]);
    const sets = TOKENS.map((token) => identifiers(answers.get(token)));
    for (const [index, set] of sets.entries()) {
      for (const other of sets.slice(index + 1)) {
        expect([...set].filter((id) => other.has(id))).toEqual([]);
      }
    }

    const calls = stack.sandbox.calls.map((call) => `${call.path} ${call.authorization}`).sort();
    expect(calls).toEqual(
      TOKENS.flatMap((token) => [`/accounts Bearer ${token}`, `/bills Bearer ${token}`]).sort(),
    );

    stack.resetCalls();
    const again = await execute(stack.gateway, QUERY, { token: 'sandbox-bob' });
    expect(again.body.data).toEqual(answers.get('sandbox-bob'));
    expect(stack.calls()).toEqual([]);
  });

  it('answers UNAUTHENTICATED without a token, with no upstream call', async () => {
    const response = await execute(stack.gateway, QUERY, { token: null });

    expect(response.body.data).toEqual({ user: null });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.calls()).toEqual([]);
  });

  it('answers UNAUTHENTICATED and no data for a token Pelm rejects, keeping nothing', async () => {
    const response = await execute(stack.gateway, QUERY, { token: 'not-a-sandbox-token' });

    expect(response.body.data).toEqual({ user: null });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.calls().length).toBeLessThanOrEqual(2);
    expect(stack.cache?.peek('not-a-sandbox-token', 'accounts')).toBeUndefined();
  });

  it('keys the cache by a keyed hash of the token, never the token', () => {
    const keys = stack.cache?.keys() ?? [];
    const hash = createTokenHasher('c1-test-secret-0123');

    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      for (const token of TOKENS) {
        expect(key).not.toContain(token);
      }
    }

    for (const token of TOKENS) {
      expect(keys.filter((key) => key.startsWith(`${hash(token)}:`))).toHaveLength(2);
    }
  });
});

/**
 * Sends `total` headline queries, alternating two tokens, `concurrency` at a time, on a warm
 * cache; returns how many answers held anything of the other token.
 */
async function interleaved(
  hasher: TokenHasher,
  total: number,
  concurrency: number,
): Promise<{ crossed: number; upstreamCalls: number }> {
  const cache = createCachingSource(stack.client, { tokenHasher: hasher });
  const gateway = createGateway({ source: cache, logger: createSilentLogger() });
  // What each token owns comes from Pelm itself, without any cache in between.
  const truth = createGateway({ source: stack.client, logger: createSilentLogger() });
  const tokens = ['sandbox-bob', 'sandbox-alice-sce'];
  const own = new Map<string, Set<string>>();
  for (const token of tokens) {
    own.set(token, identifiers((await execute(truth, INTERLEAVED, { token })).body.data));
    await execute(gateway, INTERLEAVED, { token });
  }

  stack.resetCalls();
  let crossed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const token = tokens[next % 2] ?? 'sandbox-bob';
      next += 1;
      const response = await execute(gateway, INTERLEAVED, { token });
      const seen = identifiers(response.body.data);
      const mine = own.get(token) ?? new Set();
      if (seen.size !== mine.size || [...seen].some((id) => !mine.has(id))) {
        crossed += 1;
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));

  return { crossed, upstreamCalls: stack.calls().length };
}

/**
 * 10,000 requests take about 6 s on two cores, so only CI sends that many; the everyday run
 * sends 1,000, which crosses the two tokens' requests just as often per request.
 */
const INTERLEAVED_REQUESTS = process.env['CI'] === 'true' ? 10_000 : 1_000;

describe('two tokens on a warm cache', () => {
  it(`each get only their own data in ${INTERLEAVED_REQUESTS.toLocaleString('en')} interleaved requests`, async () => {
    const startedMs = Date.now();
    const hasher = createTokenHasher('interleaved-secret-01');
    const result = await interleaved(hasher, INTERLEAVED_REQUESTS, 16);
    process.stdout.write(
      `${INTERLEAVED_REQUESTS} interleaved requests in ${Date.now() - startedMs} ms: ` +
        `${result.crossed} crossed, ${result.upstreamCalls} upstream calls\n`,
    );

    expect(result).toEqual({ crossed: 0, upstreamCalls: 0 });
  }, 60_000);

  it('would catch a cache key that leaves the token out', async () => {
    // The same check against a cache whose "hash" ignores the token: answers must cross.
    const result = await interleaved(() => 'same-for-everyone', 200, 4);
    process.stdout.write(`a key without the token: ${result.crossed} of 200 answers crossed\n`);

    expect(result.crossed).toBeGreaterThan(0);
  });
});
