import { afterEach, describe, expect, it } from 'vitest';

import { HeadlineDocument } from '../operations/generated.js';
import { execute, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('the headline query across requests', () => {
  it('costs no upstream call when repeated within its freshness', async () => {
    stack = await startStack({ cache: true });
    const first = await execute(stack.gateway, HeadlineDocument);
    stack.resetCalls();
    const second = await execute(stack.gateway, HeadlineDocument);

    expect(second.body).toEqual(first.body);
    expect(second.body.errors).toBeUndefined();
    expect(stack.calls()).toEqual([]);
  });

  it('costs exactly two upstream calls for 100 concurrent copies on a cold cache', async () => {
    stack = await startStack({ cache: true });
    const cold = stack;
    // Each accounts call is held for 100 ms, so all 100 requests are in flight together.
    cold.sandbox.faults.add({ kind: 'latency', latencyMs: 100 });
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => execute(cold.gateway, HeadlineDocument)),
    );

    expect(responses.every((response) => response.body.errors === undefined)).toBe(true);
    expect(new Set(responses.map((response) => JSON.stringify(response.body))).size).toBe(1);
    expect(cold.calls().sort()).toEqual(['GET /accounts', 'GET /bills']);
  });

  it('makes one call per token when two tokens ask at once', async () => {
    stack = await startStack({ cache: true });
    const cold = stack;
    cold.sandbox.faults.add({ kind: 'latency', latencyMs: 50 });
    await Promise.all(
      ['sandbox-bob', 'sandbox-alice-sce', 'sandbox-bob', 'sandbox-alice-sce'].map((token) =>
        execute(cold.gateway, '{ user { accounts { id } } }', { token }),
      ),
    );

    expect(cold.sandbox.calls.map((call) => call.authorization).sort()).toEqual([
      'Bearer sandbox-alice-sce',
      'Bearer sandbox-bob',
    ]);
  });
});
