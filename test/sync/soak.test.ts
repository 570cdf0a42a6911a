import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterEach, describe, expect, it } from 'vitest';

import { reportMeasure } from '../helpers/measure.js';
import { eventually, fixedPolling, startSyncStack, type SyncStack } from '../helpers/sync-stack.js';

/**
 * The soak is 10,000 cycles after a warm-up of 1,000: about half a minute of both cores,
 * so it runs in CI. The everyday run keeps the same shape at a twentieth of the size.
 */
const FULL = process.env.CI === 'true';
const WARM_UP = FULL ? 1_000 : 100;
const CYCLES = FULL ? 10_000 : 500;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let stack: SyncStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/**
 * Heap in use after collection, the least of three readings a turn apart: one reading can catch
 * the collector between its own steps and swing by a few megabytes.
 */
async function heapAfterGc(): Promise<number> {
  const readings: number[] = [];
  for (let reading = 0; reading < 3; reading += 1) {
    collectGarbage();
    collectGarbage();
    readings.push(process.memoryUsage().heapUsed);
    await new Promise((resolve) => setImmediate(resolve));
  }

  return Math.min(...readings);
}

/** Live timers and sockets, by kind. */
function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'Timeout' || kind.includes('Socket') || kind.includes('TCP')) {
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }

  return counts;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('subscribe and unsubscribe soak', () => {
  it(`leaves memory flat and nothing behind after ${CYCLES} subscribe/unsubscribe cycles`, async () => {
    // The user never syncs and the pause is long: every cycle starts a watcher, probes once,
    // and must tear everything down when its only subscriber leaves.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    stack = await startSyncStack({ sandbox: { syncSeconds: 3_600 }, sync: fixedPolling(60_000) });
    const current = stack;
    const client = current.ws('sandbox-new-soak', { keepOpen: true });
    const cycle = async () => {
      const unsubscribe = client.subscribe(
        { query: 'subscription { dataReady { ready } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
      while (current.sync.stats().subscribers === 0) {
        await nextTurn();
      }

      unsubscribe();
      while (current.sync.stats().watchers > 0) {
        await nextTurn();
      }
    };

    for (let index = 0; index < WARM_UP; index += 1) {
      await cycle();
    }

    current.sandbox.resetCalls();
    const baselineHeap = await heapAfterGc();
    const baselineHandles = liveHandles();
    const started = performance.now();
    for (let index = 0; index < CYCLES; index += 1) {
      await cycle();
      if (index % 1_000 === 999) {
        // The sandbox keeps a log of every call it answers; that log is not the gateway's memory.
        current.sandbox.resetCalls();
      }
    }

    const elapsedMs = performance.now() - started;
    expect(await eventually(() => current.sync.stats().subscribers === 0, 2_000)).toBe(true);
    const finalHeap = await heapAfterGc();
    // Short-lived timers come and go on their own (graphql-ws waits for a pong every 12 s, the
    // HTTP pools time idle sockets out); a leak stays. Allow them a moment to go.
    const withinBaseline = () =>
      Object.entries(liveHandles()).every(([kind, count]) => count <= (baselineHandles[kind] ?? 0));
    await eventually(withinBaseline, 5_000);
    const finalHandles = liveHandles();
    const growth = (finalHeap - baselineHeap) / baselineHeap;
    reportMeasure(
      `soak: ${CYCLES} cycles in ${Math.round(elapsedMs)} ms after ${WARM_UP} warm-up; heap ${(baselineHeap / 1_048_576).toFixed(1)} MB -> ${(finalHeap / 1_048_576).toFixed(1)} MB (${(growth * 100).toFixed(1)}%); handles ${JSON.stringify(baselineHandles)} -> ${JSON.stringify(finalHandles)}`,
    );

    process.off('warning', onWarning);
    expect(current.sync.stats()).toEqual({ watchers: 0, leading: 0, subscribers: 0 });
    expect(growth).toBeLessThan(0.1);
    // Every subscription of the one connection once left an abort listener on its signal.
    expect(warnings).toEqual([]);
    // Nothing added: timers and sockets of each kind are at most what the baseline had.
    for (const [kind, count] of Object.entries(finalHandles)) {
      expect({ kind, count }).toEqual({ kind, count: Math.min(count, baselineHandles[kind] ?? 0) });
    }
  }, 180_000);
});
