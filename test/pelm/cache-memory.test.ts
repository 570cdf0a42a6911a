import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

import { createCachingSource } from '../../src/pelm/cache.js';
import type { IntervalsQuery, PelmSource } from '../../src/pelm/source.js';
import type { PelmIntervals } from '../../src/pelm/types.js';

const MAX_BYTES = 16 * 1024 * 1024;
/**
 * One million keys take about 25 s on two cores, so only CI fills that many. The everyday
 * run fills 50 000: still about three times what fits, so eviction by bytes is exercised all the
 * same.
 */
const KEYS = process.env['CI'] === 'true' ? 1_000_000 : 50_000;

/** Node's collector, reachable without restarting vitest with --expose-gc. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');

  return runInNewContext('gc') as () => void;
}

function heapAfterCollection(gc: () => void): number {
  gc();
  gc();

  return process.memoryUsage().heapUsed;
}

describe('cache memory', () => {
  it(`stays under its byte bound when filled with ${KEYS.toLocaleString('en')} distinct keys`, async () => {
    const gc = collector();
    // A fresh answer per read, as Pelm's parsed JSON would be: nothing shared between entries.
    // The source only counts, so nothing but the cache holds on to answers.
    let calls = 0;
    const intervals = async (query: IntervalsQuery): Promise<PelmIntervals> => {
      calls += 1;
      const start = query.startDate ?? 0;

      return {
        utility: 'Pacific Gas and Electric',
        type: 'ELECTRIC',
        account: null,
        intervals: [{ start, end: start + 900, usage: Math.random(), ghgEmissions: Math.random() }],
      };
    };

    const source: PelmSource = {
      getAccounts: () => Promise.reject(new Error('not used')),
      getBills: () => Promise.reject(new Error('not used')),
      getUser: () => Promise.reject(new Error('not used')),
      getIntervals: (_call, query) => intervals(query),
    };
    const cache = createCachingSource(source, { maxBytes: MAX_BYTES });
    const baseline = heapAfterCollection(gc);
    const startedMs = Date.now();
    for (let batch = 0; batch < KEYS; batch += 1_000) {
      await Promise.all(
        Array.from({ length: 1_000 }, (_, index) =>
          cache.getIntervals(
            { token: `token-${(batch + index) % 997}` },
            { accountId: 'acc-1', type: 'ELECTRIC', startDate: batch + index, endDate: 2e9 },
          ),
        ),
      );
    }

    const elapsedMs = Date.now() - startedMs;
    const retained = heapAfterCollection(gc) - baseline;
    const { entries, bytes } = cache.usage();
    // Measured figures for the record: entries kept, their estimate, the real heap they hold.
    process.stdout.write(
      `cache memory: ${KEYS} keys in ${elapsedMs} ms; ${entries} entries kept, ` +
        `estimate ${bytes} B, heap retained ${retained} B, bound ${MAX_BYTES} B\n`,
    );

    expect(calls).toBe(KEYS);
    expect(cache.inFlight()).toBe(0);
    expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(retained).toBeLessThan(MAX_BYTES);
    expect(entries).toBeGreaterThan(10_000);
  }, 120_000);
});
