import { performance } from 'node:perf_hooks';

import autocannon from 'autocannon';

/** What one measured phase produced, for any line (gateway, naive or direct). */
export interface PhaseResult {
  /** Completed operations (one GraphQL request, or one direct sequence of Pelm calls). */
  operations: number;
  durationMs: number;
  operationsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number };
  /** Operations that failed: non-2xx, a GraphQL `errors` entry, a timeout or a socket error. */
  errors: number;
  /** The failures by kind, when the driver tells them apart. */
  errorKinds?: { non2xx: number; graphql: number; timeouts: number; socket: number };
}

export interface HttpLoadOptions {
  /** The GraphQL endpoint. */
  url: string;
  /** The GraphQL request body (JSON text), the same for every request. */
  body: string;
  /** Picks the token of each request; called once per request. */
  nextToken(): string;
  connections: number;
  /** Stops after this long… */
  durationMs?: number;
  /** …or after exactly this many requests. */
  amount?: number;
}

/** Longest a single request may take before autocannon counts it as a timeout, in seconds. */
const REQUEST_TIMEOUT_SECONDS = 30;

/**
 * Drives a GraphQL endpoint with autocannon over keep-alive connections. Latencies are taken
 * from autocannon's per-response timings (fractions of a ms), not its integer histogram, and a
 * 200 whose body starts with an `errors` entry counts as an error: graphql-js writes `errors`
 * before `data`, so the first bytes tell.
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<PhaseResult> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  const started = performance.now();
  let finish: (error: unknown, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(asError(error)) : resolve(result));
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      timeout: REQUEST_TIMEOUT_SECONDS,
      ...(options.amount === undefined
        ? { duration: (options.durationMs ?? 1000) / 1000 }
        : { amount: options.amount }),
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => ({
            ...request,
            method: 'POST',
            body: options.body,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${options.nextToken()}`,
            },
          }),
          onResponse: (status, body) => {
            if (status === 200 && body.startsWith('{"errors"')) {
              graphqlErrors += 1;
            }
          },
        },
      ],
    },
    (error: unknown, result) => finish(error, result),
  );
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    latencies.push(responseTimeMs);
  });
  const result = await finished;
  const durationMs = performance.now() - started;
  const operations = result.requests.total;
  // autocannon's `errors` already counts its timeouts.
  const failed = result.non2xx + result.errors + graphqlErrors;

  return {
    operations,
    durationMs,
    operationsPerSecond: (operations * 1000) / durationMs,
    latencyMs: percentiles(latencies),
    errors: failed,
    errorKinds: {
      non2xx: result.non2xx,
      graphql: graphqlErrors,
      timeouts: result.timeouts,
      socket: result.errors - result.timeouts,
    },
  };
}

export interface LoopOptions {
  /** One operation; resolves true when it succeeded. */
  operation(): Promise<boolean>;
  /** Operations running at the same time, each starting the next as soon as it ends. */
  concurrency: number;
  durationMs?: number;
  amount?: number;
}

/**
 * A closed-loop driver for operations that are not one HTTP request (the direct line's
 * sequence of Pelm calls), measured the same way as `runHttpLoad`: each worker starts its next
 * operation when the previous one ends, until the time or the count runs out.
 */
export async function runLoop(options: LoopOptions): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const began = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : began + options.durationMs;
  const more = () =>
    (options.amount === undefined || started < options.amount) && performance.now() < deadline;

  const worker = async () => {
    while (more()) {
      started += 1;
      const at = performance.now();
      const ok = await options.operation().catch(() => false);
      latencies.push(performance.now() - at);
      if (!ok) {
        errors += 1;
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationMs = performance.now() - began;

  return {
    operations: latencies.length,
    durationMs,
    operationsPerSecond: (latencies.length * 1000) / durationMs,
    latencyMs: percentiles(latencies),
    errors,
  };
}

/** Nearest-rank percentiles of the samples, in ms; zeros when there are none. */
export function percentiles(samples: number[]): PhaseResult['latencyMs'] {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

  return { p50: rank(50), p90: rank(90), p99: rank(99) };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
