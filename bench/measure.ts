import { setTimeout as delay } from 'node:timers/promises';

import { runHttpLoad, runLoop, type PhaseResult } from './load.js';
import { cpuMs, rssKib } from './processes.js';
import type { LineName, Scenario, TokenSource } from './scenarios.js';
import type { DirectClient } from './direct.js';

/** How long each phase runs; `--quick` shortens them all. */
export interface PhasePlan {
  /** Unmeasured load first, so V8 has compiled the hot paths. */
  warmupMs: number;
  /** Requests, one at a time, whose upstream calls are counted exactly. */
  countOperations: number;
  /** Concurrency 1: the latency figures. */
  latencyPhaseMs: number;
  /** `connections` at once: the throughput and CPU figures. */
  throughputPhaseMs: number;
  connections: number;
}

export const FULL_PLAN: Omit<PhasePlan, 'connections'> = {
  warmupMs: 1_500,
  countOperations: 30,
  latencyPhaseMs: 4_000,
  throughputPhaseMs: 5_000,
};

export const QUICK_PLAN: Omit<PhasePlan, 'connections'> = {
  warmupMs: 300,
  countOperations: 6,
  latencyPhaseMs: 700,
  throughputPhaseMs: 1_000,
};

export interface LineResult {
  line: LineName;
  /** Upstream calls per operation, counted at the sandbox over the count phase. */
  callsPerOperation: number;
  /** The same under full load (in-flight requests at the end may add a fraction). */
  callsPerOperationUnderLoad: number;
  /** Concurrency 1. */
  latency: PhaseResult;
  /** `connections` at once. */
  throughput: PhaseResult;
  /** CPU of the line's server process per operation under load; null for the direct line. */
  cpuMsPerOperation: number | null;
  /** The same at concurrency 1. */
  cpuMsPerOperationAtOne: number | null;
  /** Peak resident memory of the server process since it started, in MiB. */
  peakRssMiB: number | null;
  errors: number;
}

/** One way of running the scenario's operation: an HTTP endpoint or the direct script. */
export interface Line {
  name: LineName;
  /** Server process whose CPU and memory are read; null when there is none (direct). */
  pid: number | null;
  drive(options: DriveOptions): Promise<PhaseResult>;
}

export interface DriveOptions {
  tokens: TokenSource;
  connections: number;
  durationMs?: number;
  amount?: number;
}

/** A GraphQL endpoint (the gateway or the naive server) sent the scenario's query. */
export function graphqlLine(name: LineName, url: string, pid: number, query: string): Line {
  const body = JSON.stringify({ query });

  return {
    name,
    pid,
    drive: (options) =>
      runHttpLoad({
        url,
        body,
        nextToken: () => options.tokens.next(),
        connections: options.connections,
        ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
        ...(options.amount === undefined ? {} : { amount: options.amount }),
      }),
  };
}

/** The frontend calling Pelm itself. */
export function directLine(client: DirectClient, scenario: Scenario): Line {
  return {
    name: 'direct',
    pid: null,
    drive: (options) =>
      runLoop({
        operation: async () => {
          await client.headline(options.tokens.next(), scenario.directWindow);

          return true;
        },
        concurrency: options.connections,
        ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
        ...(options.amount === undefined ? {} : { amount: options.amount }),
      }),
  };
}

/** Pause between two reads of the call log while waiting for it to settle. */
const SETTLE_PAUSE_MS = 200;
/** Reads in a row that must find the same count: the log stood still for 0.8 s. */
const SETTLE_QUIET_READS = 5;
/** At most this many reads (about 12 s) before going on anyway. */
const SETTLE_ATTEMPTS = 60;

/** The sandbox's call log, reset and read over its admin routes. */
export class SandboxCalls {
  readonly #url: string;

  constructor(sandboxUrl: string) {
    this.#url = `${sandboxUrl}/_sandbox/calls`;
  }

  async reset(): Promise<void> {
    const response = await fetch(this.#url, { method: 'DELETE' });
    await response.arrayBuffer();
  }

  /**
   * Waits until the call log stops growing: requests still in flight when a load phase ends
   * keep calling upstream for a moment, and must not be counted in the next phase.
   */
  async settle(): Promise<void> {
    let last = -1;
    let same = 0;
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
      const count = await this.count();
      same = count === last ? same + 1 : 1;
      if (same >= SETTLE_QUIET_READS) {
        return;
      }

      last = count;
      await delay(SETTLE_PAUSE_MS);
    }
  }

  async count(): Promise<number> {
    const response = await fetch(this.#url);
    const calls = (await response.json()) as unknown[];

    return calls.length;
  }
}

/** Runs the phases of one line of one scenario and reads its figures. */
export async function measureLine(
  line: Line,
  scenario: Scenario,
  plan: PhasePlan,
  calls: SandboxCalls,
): Promise<LineResult> {
  const connections = scenario.connections ?? plan.connections;
  if (line.name === 'gateway' && scenario.prime !== undefined) {
    const prime = scenario.prime;
    let next = 0;
    await line.drive({
      tokens: { next: () => prime[next++ % prime.length] as string },
      connections: Math.min(8, plan.connections),
      amount: prime.length,
    });
  }

  // Counted first, one request at a time and after the priming run has fully answered, so no
  // request of another phase can add a call to the count.
  const tokens = scenario.tokens('measure');
  await calls.reset();
  const counted = await line.drive({ tokens, connections: 1, amount: plan.countOperations });
  const callsPerOperation = (await calls.count()) / Math.max(1, counted.operations);

  await line.drive({
    tokens: scenario.tokens('warmup'),
    connections,
    durationMs: plan.warmupMs,
  });
  await calls.settle();

  const cpuAtOne = cpuReader(line.pid);
  const latency = await line.drive({ tokens, connections: 1, durationMs: plan.latencyPhaseMs });
  const cpuMsAtOne = cpuAtOne();

  await calls.settle();
  await calls.reset();
  const cpuUnderLoad = cpuReader(line.pid);
  const throughput = await line.drive({
    tokens: scenario.tokens('load'),
    connections,
    durationMs: plan.throughputPhaseMs,
  });
  const cpuMsUnderLoad = cpuUnderLoad();
  await calls.settle();
  const callsUnderLoad = await calls.count();

  return {
    line: line.name,
    callsPerOperation,
    callsPerOperationUnderLoad: callsUnderLoad / Math.max(1, throughput.operations),
    latency,
    throughput,
    cpuMsPerOperation: perOperation(cpuMsUnderLoad, throughput),
    cpuMsPerOperationAtOne: perOperation(cpuMsAtOne, latency),
    peakRssMiB: line.pid === null ? null : rssKib(line.pid).peak / 1024,
    errors: counted.errors + latency.errors + throughput.errors,
  };
}

/** Starts a CPU stopwatch on `pid`; the returned function reads the ms used since. */
function cpuReader(pid: number | null): () => number | null {
  if (pid === null) {
    return () => null;
  }

  const before = cpuMs(pid);

  return () => cpuMs(pid) - before;
}

function perOperation(totalMs: number | null, phase: PhaseResult): number | null {
  return totalMs === null ? null : totalMs / Math.max(1, phase.operations);
}
