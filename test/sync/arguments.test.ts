import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { collect, startSyncStack, type SyncStack } from '../helpers/sync-stack.js';

let stack: SyncStack;

beforeAll(async () => {
  stack = await startSyncStack();
});
afterAll(async () => {
  await stack.close();
});

describe('dataReady arguments', () => {
  it.each(['', 'x'.repeat(257)])(
    'refuses a userId of %j as user(id:) would, without asking Pelm',
    async (userId) => {
      const results = await collect(
        stack.iterate(
          'graphql-sse',
          'sandbox-stale',
          `subscription { dataReady(userId: "${userId}") { ready } }`,
        ),
      );
      const errors = results.flatMap((result) => [...(result.value.errors ?? [])]);

      expect(
        errors.map((error) => [error.extensions?.['code'], error.extensions?.['argumentName']]),
      ).toEqual([['BAD_USER_INPUT', 'userId']]);
      expect(stack.probes('sandbox-stale')).toBe(0);
    },
  );
});
