import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { createLogger, type Logger } from '../../src/logger.js';
import { startServer } from '../../src/server.js';
import type { FaultSpec } from '../../src/sandbox/faults.js';
import {
  errorCodes,
  execute,
  startStack,
  type Stack,
  type StackOptions,
} from '../helpers/stack.js';

// Long enough that its 10% (300 ms) absorbs timer lateness on a loaded two-core machine.
const DEADLINE_MS = 3_000;
const HALF_OPEN_AFTER_MS = 300;
const QUERY = /* GraphQL */ `
  {
    user {
      accounts {
        id
        bills {
          id
        }
        intervals(type: ELECTRIC, from: "2024-06-01T00:00:00Z", to: "2024-06-02T00:00:00Z") {
          start
          usage
        }
      }
    }
  }
`;

interface Answer {
  user: {
    accounts: Array<{ id: string; bills: unknown[] | null; intervals: unknown[] | null }>;
  };
}

async function stackWith(client: StackOptions['client'], logger?: Logger): Promise<Stack> {
  return startStack({
    client: { breaker: { halfOpenAfterMs: HALF_OPEN_AFTER_MS }, ...client },
    gateway: { requestDeadlineMs: DEADLINE_MS },
    ...(logger === undefined ? {} : { logger }),
  });
}

/** Switches the fault on, runs the query, and checks the partial answer C8 asks for. */
async function expectIntervalsCutAtDeadline(stack: Stack, fault: FaultSpec): Promise<void> {
  stack.sandbox.faults.add(fault);
  const startedMs = Date.now();
  const response = await execute(stack.gateway, QUERY);
  const elapsedMs = Date.now() - startedMs;
  const accounts = (response.body.data as Answer).user.accounts;
  process.stdout.write(`${fault.kind}: answered in ${elapsedMs} ms, deadline ${DEADLINE_MS} ms\n`);

  expect(elapsedMs).toBeLessThanOrEqual(DEADLINE_MS * 1.1);
  expect(response.status).toBe(200);
  expect(accounts).toHaveLength(3);
  for (const account of accounts) {
    expect(account.id).toEqual(expect.any(String));
    expect(account.bills?.length).toBeGreaterThan(0);
    expect(account.intervals).toBeNull();
  }

  expect(errorCodes(response)).toEqual([
    'UPSTREAM_TIMEOUT',
    'UPSTREAM_TIMEOUT',
    'UPSTREAM_TIMEOUT',
  ]);
  expect(response.body.errors?.map((error) => error.path?.at(-1))).toEqual([
    'intervals',
    'intervals',
    'intervals',
  ]);
  await expectSocketsClosedBy(stack, startedMs + DEADLINE_MS + 1_000);
}

/** Every connection a fault held was closed from the gateway's side by `deadlineMs`. */
async function expectSocketsClosedBy(stack: Stack, byMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, byMs - Date.now())));
  const hits = stack.sandbox.faults.hits;

  expect(hits.length).toBeGreaterThanOrEqual(3);
  for (const hit of hits) {
    expect(hit.closedAt).not.toBeNull();
    expect(hit.closedAt ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(byMs);
  }
}

async function expectRecovery(stack: Stack): Promise<void> {
  stack.sandbox.faults.clear();
  await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
  const response = await execute(stack.gateway, QUERY);
  const accounts = (response.body.data as Answer).user.accounts;

  expect(response.body.errors).toBeUndefined();
  expect(accounts.map((account) => account.intervals?.length)).toEqual([96, 96, 96]);
}

describe.concurrent('a hung or trickling upstream costs one field, not the whole request', () => {
  it('cuts intervals that send no headers at the headers timeout', async () => {
    const stack = await stackWith({ headersTimeoutMs: 1_500, bodyTimeoutMs: 1_500 });
    try {
      await expectIntervalsCutAtDeadline(stack, { kind: 'hang', route: 'GET /intervals' });
      await expectRecovery(stack);
    } finally {
      await stack.close();
    }
  });

  it('answers within the request deadline plus 10% when no timeout of the client fires', async () => {
    const stack = await stackWith({ headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 });
    try {
      await expectIntervalsCutAtDeadline(stack, { kind: 'hang', route: 'GET /intervals' });
      await expectRecovery(stack);
    } finally {
      await stack.close();
    }
  });

  it('cuts intervals whose body trickles in at the request deadline', async () => {
    const stack = await stackWith({ headersTimeoutMs: 1_500, bodyTimeoutMs: 1_500 });
    try {
      await expectIntervalsCutAtDeadline(stack, {
        kind: 'trickle',
        bytesPerSecond: 4,
        route: 'GET /intervals',
      });
      await expectRecovery(stack);
    } finally {
      await stack.close();
    }
  });

  it('closes the upstream sockets when the client aborts its request', async () => {
    const errorLines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        errorLines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'error', destination });
    const stack = await stackWith({ headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 }, logger);
    const server = await startServer({ gateway: stack.gateway, port: 0, host: '127.0.0.1' });
    try {
      stack.sandbox.faults.add({ kind: 'hang', route: 'GET /intervals' });
      const controller = new AbortController();
      const sent = fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
        body: JSON.stringify({ query: QUERY }),
        signal: controller.signal,
      });
      // Abort once all three intervals calls hang at the sandbox.
      while (stack.sandbox.faults.hits.length < 3) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      controller.abort();
      const abortedMs = Date.now();

      await expect(sent).rejects.toThrow();
      await expectSocketsClosedBy(stack, abortedMs + 1_000);
      await expectRecovery(stack);
      // A client leaving is no gateway failure: nothing is logged as unexpected.
      expect(errorLines).toEqual([]);
    } finally {
      await server.close(0);
      await stack.close();
    }
  });
});
