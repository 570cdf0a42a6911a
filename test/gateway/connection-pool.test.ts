import { describe, expect, it } from 'vitest';

import { errorCodes, execute, startStack } from '../helpers/stack.js';

const POOL_LIMIT = 4;
/**
 * 10,000 requests take 15 to 60 s per body size on two cores, so only CI sends that many; the
 * everyday run sends 200, which already cycles every pool connection dozens of times.
 */
const REQUESTS = process.env['CI'] === 'true' ? 10_000 : 200;

describe('error bodies never starve the connection pool', () => {
  it.each([
    ['larger than the error-body limit (discarded)', 131_072],
    ['under the error-body limit (read to the end)', 30_000],
  ])(
    `keeps at most the pool's connections open over ${REQUESTS} answers of 500 with a body %s`,
    async (_name, bodyBytes) => {
      const stack = await startStack({
        // Every request must reach Pelm: no retries, no breaker, no cache.
        client: { connections: POOL_LIMIT, retry: false, breaker: false },
      });
      try {
        stack.sandbox.faults.add({
          kind: 'status',
          status: 500,
          bodyBytes,
          route: 'GET /accounts',
        });
        stack.sandbox.faults.resetSocketStats();
        const startedMs = Date.now();
        let next = 0;
        let failed = 0;
        const worker = async (): Promise<void> => {
          while (next < REQUESTS) {
            next += 1;
            const response = await execute(stack.gateway, '{ user { accounts { id } } }');
            if (errorCodes(response).join() === 'UPSTREAM_ERROR') {
              failed += 1;
            }
          }
        };

        await Promise.all(Array.from({ length: 32 }, worker));
        const { maxOpen } = stack.sandbox.faults.sockets;
        process.stdout.write(
          `${REQUESTS} × 500 with ${bodyBytes} B bodies in ${Date.now() - startedMs} ms: ` +
            `${failed} UPSTREAM_ERROR answers, at most ${maxOpen} upstream sockets open\n`,
        );

        expect(failed).toBe(REQUESTS);
        expect(stack.calls()).toHaveLength(REQUESTS);
        expect(maxOpen).toBeLessThanOrEqual(POOL_LIMIT);

        stack.sandbox.faults.clear();
        const after = await execute(stack.gateway, '{ user { accounts { id } } }');
        expect(after.body.errors).toBeUndefined();
      } finally {
        await stack.close();
      }
    },
    // CI's 10,000 answers with discarded bodies cost a new connection each: about a minute.
    240_000,
  );
});
