import type { LineResult } from './measure.js';
import type { ScenarioResult, TargetResult, TargetStatus } from './report.js';
import type { LineName } from './scenarios.js';
import type { SubscriptionResult } from './subscriptions.js';

/** The targets, each judged PASS or MISS from the measured figures; never hidden. */

/** The cold headline p50 may be at most this multiple of the sandbox's added latency. */
export const COLD_P50_LATENCY_FACTOR = 1.2;
/** Warm headline throughput must be at least this multiple of the naive server's. */
export const WARM_THROUGHPUT_FACTOR = 3;
/** Gateway CPU per request for the headline plus a month of intervals (8,640 objects). */
export const MONTH_CPU_MS = 5;
/** Gateway CPU per request for a year of 15-minute intervals as objects (35,040). */
export const YEAR_CPU_MS = 30;
/** Gateway CPU per request for the same year summed per day, or as a compact series. */
export const YEAR_COMPACT_CPU_MS = 10;
/** Gateway RSS per open `dataReady` subscription, in KB (1,000 bytes). */
export const SUBSCRIPTION_KB = 10;

type Lookup = (scenario: string, line: LineName) => LineResult | undefined;

function judge(pass: boolean): TargetStatus {
  return pass ? 'PASS' : 'MISS';
}

function notRun(id: string, description: string): TargetResult {
  return { id, description, measured: 'scenario not run', status: 'N/A' };
}

export function evaluateTargets(
  scenarios: ScenarioResult[],
  sandboxLatencyMs: number,
  extra: TargetResult[],
): TargetResult[] {
  const find: Lookup = (id, line) => scenarios.find((scenario) => scenario.id === id)?.lines[line];
  const targets: TargetResult[] = [];

  const cold = find('headline-cold', 'gateway');
  const coldNaive = find('headline-cold', 'naive');
  const coldDirect = find('headline-cold', 'direct');
  const callsText = 'Headline cold: exactly 2 upstream calls for 3 accounts';
  targets.push(
    cold === undefined
      ? notRun('headline-cold-calls', callsText)
      : {
          id: 'headline-cold-calls',
          description: callsText,
          measured:
            `${cold.callsPerOperation.toFixed(2)} (naive ${coldNaive?.callsPerOperation.toFixed(2) ?? '—'}, ` +
            `direct ${coldDirect?.callsPerOperation.toFixed(2) ?? '—'})`,
          status: judge(cold.callsPerOperation === 2),
        },
  );

  const p50Limit = COLD_P50_LATENCY_FACTOR * sandboxLatencyMs;
  const p50Text = `Headline cold: p50 ≤ ${COLD_P50_LATENCY_FACTOR} × ${sandboxLatencyMs} ms = ${p50Limit.toFixed(1)} ms`;
  targets.push(
    cold === undefined
      ? notRun('headline-cold-p50', p50Text)
      : {
          id: 'headline-cold-p50',
          description: p50Text,
          measured:
            `${cold.latency.latencyMs.p50.toFixed(1)} ms ` +
            `(direct ${coldDirect?.latency.latencyMs.p50.toFixed(1) ?? '—'} ms)`,
          status: judge(cold.latency.latencyMs.p50 <= p50Limit),
        },
  );

  const warm = find('headline-warm', 'gateway');
  const warmNaive = find('headline-warm', 'naive');
  const warmCallsText = 'Headline warm: 0 upstream calls';
  targets.push(
    warm === undefined
      ? notRun('headline-warm-calls', warmCallsText)
      : {
          id: 'headline-warm-calls',
          description: warmCallsText,
          measured: warm.callsPerOperation.toFixed(2),
          status: judge(warm.callsPerOperation === 0),
        },
  );

  const warmRpsText = `Headline warm: throughput ≥ ${WARM_THROUGHPUT_FACTOR} × naive`;
  targets.push(
    warm === undefined || warmNaive === undefined
      ? notRun('headline-warm-throughput', warmRpsText)
      : {
          id: 'headline-warm-throughput',
          description: warmRpsText,
          measured:
            `${warm.throughput.operationsPerSecond.toFixed(0)} vs ` +
            `${warmNaive.throughput.operationsPerSecond.toFixed(0)} req/s = ` +
            `${(warm.throughput.operationsPerSecond / warmNaive.throughput.operationsPerSecond).toFixed(2)}×`,
          status: judge(
            warm.throughput.operationsPerSecond >=
              WARM_THROUGHPUT_FACTOR * warmNaive.throughput.operationsPerSecond,
          ),
        },
  );

  targets.push(cpuTarget(find, 'month', 'Headline + month (8,640 intervals)', MONTH_CPU_MS));
  targets.push(cpuTarget(find, 'year', 'Year of 15-min intervals, objects (35,040)', YEAR_CPU_MS));
  targets.push(
    cpuTarget(find, 'year-day', 'Year of 15-min intervals, summed per day', YEAR_COMPACT_CPU_MS),
  );
  targets.push(
    cpuTarget(find, 'year-series', 'Year of 15-min intervals, compact series', YEAR_COMPACT_CPU_MS),
  );

  return [...targets, ...extra];
}

function cpuTarget(find: Lookup, id: string, what: string, limitMs: number): TargetResult {
  const description = `${what}: gateway CPU ≤ ${limitMs} ms/request`;
  const gateway = find(id, 'gateway');
  const naive = find(id, 'naive');
  if (gateway?.cpuMsPerOperation === null || gateway?.cpuMsPerOperation === undefined) {
    return notRun(`${id}-cpu`, description);
  }

  return {
    id: `${id}-cpu`,
    description,
    measured:
      `${gateway.cpuMsPerOperation.toFixed(2)} ms ` +
      `(naive ${naive?.cpuMsPerOperation?.toFixed(2) ?? '—'} ms)`,
    status: judge(gateway.cpuMsPerOperation <= limitMs),
  };
}

/** Scenario 4's targets: memory per open subscription and one poll loop per user. */
export function subscriptionTargets(
  result: SubscriptionResult | 'not available' | 'not run',
): TargetResult[] {
  const memoryText = `SSE: ≤ ${SUBSCRIPTION_KB} KB of gateway RSS per open dataReady subscription`;
  const loopText = 'SSE: one poll loop per user (polls per user per minute)';
  if (typeof result === 'string') {
    const measured =
      result === 'not available'
        ? 'not available: the schema has no dataReady'
        : 'scenario not run';

    return [
      { id: 'sse-memory', description: memoryText, measured, status: 'N/A' },
      { id: 'sse-one-loop', description: loopText, measured, status: 'N/A' },
    ];
  }

  const kb = (result.kibPerSubscription * 1024) / 1000;
  // One loop polls at most once per pause, plus one probe that may fall on the window's edge.
  const pauseSeconds = 60 / result.oneLoopPollsPerMinute;
  const windowLimit = Math.floor(result.observeSeconds / pauseSeconds) + 1;
  const perMinuteLimit = (windowLimit * 60) / result.observeSeconds;

  return [
    {
      id: 'sse-memory',
      description: memoryText,
      measured:
        `${kb.toFixed(1)} KB each (${result.open} open of ${result.subscriptions}, ` +
        `${result.users} users; RSS ${result.rssBeforeMiB.toFixed(0)} → ${result.rssOpenMiB.toFixed(0)} MiB)`,
      status: judge(result.open === result.subscriptions && kb <= SUBSCRIPTION_KB),
    },
    {
      id: 'sse-one-loop',
      description: loopText,
      measured:
        `${result.pollsPerUserPerMinute.toFixed(1)} per user per minute on average, at most ` +
        `${result.maxPollsPerUserPerMinute.toFixed(1)} (one loop: ≤ ${perMinuteLimit.toFixed(1)}, ` +
        `${(result.subscriptions / result.users).toFixed(0)} subscriptions per user)`,
      status: judge(
        result.pollsPerUserPerMinute > 0 && result.maxPollsPerUserPerMinute <= perMinuteLimit,
      ),
    },
  ];
}
