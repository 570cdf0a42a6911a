import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createDirectClient } from './direct.js';
import {
  directLine,
  FULL_PLAN,
  graphqlLine,
  measureLine,
  QUICK_PLAN,
  SandboxCalls,
  type Line,
  type PhasePlan,
} from './measure.js';
import { readFileSync } from 'node:fs';
import { killAllNow, ROOT, startChild, startedChildren, stopAll, type Child } from './processes.js';
import { renderMarkdown, type BenchReport, type ScenarioResult } from './report.js';
import { SANDBOX_NOW, SCENARIOS, type Scenario } from './scenarios.js';
import {
  FULL_SUBSCRIPTION_PLAN,
  QUICK_SUBSCRIPTION_PLAN,
  runSubscriptionScenario,
  type SubscriptionResult,
} from './subscriptions.js';
import { evaluateTargets, subscriptionTargets } from './targets.js';

/**
 * `npm run bench`: starts the sandbox, the naive reference server and, per scenario, a fresh
 * gateway in production mode, each as its own process from compiled JS; drives them over
 * loopback; prints the results table and writes it as JSON and Markdown under bench/results/.
 *
 * Options: --quick (a few seconds per scenario), --latency-ms=<n> (sandbox added latency,
 * default 20), --connections=<n> (throughput concurrency, default 32), --only=<id,…> (scenario
 * ids: headline-cold, headline-warm, month, year, year-day, year-series, sse), --out=<dir>
 * (default bench/results).
 */

const DEFAULT_LATENCY_MS = 20;
const DEFAULT_CONNECTIONS = 32;

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: String(DEFAULT_LATENCY_MS) },
    connections: { type: 'string', default: String(DEFAULT_CONNECTIONS) },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
  },
});

const latencyMs = Number(options['latency-ms']);
const connections = Number(options.connections);
if (!Number.isFinite(latencyMs) || latencyMs < 0 || !Number.isInteger(connections)) {
  console.error('--latency-ms must be a number ≥ 0 and --connections a whole number');
  process.exit(2);
}

const plan: PhasePlan = { ...(options.quick ? QUICK_PLAN : FULL_PLAN), connections };
const only = options.only === undefined ? null : new Set(options.only.split(','));
const scenarios = SCENARIOS.filter((scenario) => only === null || only.has(scenario.id));
const runsSubscriptions = only === null || only.has('sse');

// Children die with the harness, however it ends.
process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the benchmark's processes`);
    void stopAll().finally(() => process.exit(130));
  });
}

interface Upstream {
  sandbox: Child;
  calls: SandboxCalls;
  naive: Child | null;
}

async function startUpstream(addedLatencyMs: number, withNaive: boolean): Promise<Upstream> {
  const sandbox = await startChild('sandbox', 'dist/src/sandbox/main.js', {
    SANDBOX_PORT: '0',
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_NOW,
    SANDBOX_LATENCY_MS: String(addedLatencyMs),
    LOG_LEVEL: 'warn',
  });
  const naive = withNaive
    ? await startChild('naive', 'dist/bench/naive-server.js', {
        PORT: '0',
        PELM_API_URL: sandbox.url,
      })
    : null;

  return { sandbox, calls: new SandboxCalls(sandbox.url), naive };
}

function startGateway(upstream: Upstream, env: Record<string, string> = {}): Promise<Child> {
  return startChild('gateway', 'dist/src/main.js', {
    PORT: '0',
    HOST: '127.0.0.1',
    PELM_API_URL: upstream.sandbox.url,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    // The bench sends hundreds of requests per user per minute; the limiter still runs on
    // every request (its cost is measured) but never answers RATE_LIMITED.
    RATE_LIMIT_REQUESTS: '10000000',
    ...env,
  });
}

/** Scenario 4 polls each user at a fixed pause, so one loop's rate is known exactly. */
const SUBSCRIPTION_POLL_PAUSE_MS = 5_000;
/** Long enough that every `sandbox-new-*` user is still syncing when the count ends. */
const SUBSCRIPTION_SYNC_SECONDS = 86_400;

/** Whether the schema has `Subscription.dataReady` (it lands with the sync issue). */
function hasDataReady(): boolean {
  const schema = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');

  return /type Subscription \{[^}]*\bdataReady\(/s.test(schema);
}

async function runSubscriptions(): Promise<SubscriptionResult> {
  const sandbox = await startChild('sandbox', 'dist/src/sandbox/main.js', {
    SANDBOX_PORT: '0',
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_NOW,
    SANDBOX_LATENCY_MS: String(latencyMs),
    SANDBOX_SYNC_SECONDS: String(SUBSCRIPTION_SYNC_SECONDS),
    LOG_LEVEL: 'warn',
  });
  const upstream: Upstream = { sandbox, calls: new SandboxCalls(sandbox.url), naive: null };
  const gateway = await startGateway(upstream, {
    SYNC_POLL_MIN_MS: String(SUBSCRIPTION_POLL_PAUSE_MS),
    SYNC_POLL_MAX_MS: String(SUBSCRIPTION_POLL_PAUSE_MS),
    SYNC_POLL_JITTER: '0',
  });
  try {
    return await runSubscriptionScenario({
      gatewayUrl: gateway.url,
      gatewayPid: gateway.pid,
      sandboxUrl: sandbox.url,
      plan: options.quick ? QUICK_SUBSCRIPTION_PLAN : FULL_SUBSCRIPTION_PLAN,
      pollPauseMs: SUBSCRIPTION_POLL_PAUSE_MS,
    });
  } finally {
    await gateway.stop();
    await sandbox.stop();
  }
}

async function runScenario(scenario: Scenario, upstream: Upstream): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    query: scenario.query,
    lines: {},
    notes: [],
  };
  await primeSandbox(scenario, upstream);
  // A fresh gateway per scenario: nothing cached from another scenario, and its own peak RSS.
  const gateway = await startGateway(upstream);
  const direct = createDirectClient(upstream.sandbox.url, connections * 8);
  try {
    for (const name of scenario.lines) {
      const line: Line | null =
        name === 'gateway'
          ? graphqlLine('gateway', gateway.url, gateway.pid, scenario.query)
          : name === 'naive' && upstream.naive !== null
            ? graphqlLine('naive', upstream.naive.url, upstream.naive.pid, scenario.query)
            : name === 'direct'
              ? directLine(direct, scenario)
              : null;
      if (line !== null) {
        process.stderr.write(`  ${scenario.id} / ${name} …\n`);
        result.lines[name] = await measureLine(line, scenario, plan, upstream.calls);
      }
    }
  } finally {
    await direct.close();
    await gateway.stop();
  }

  return result;
}

/** Shortest time one concurrency-1 request can take, to size how many cold users to prime. */
const FASTEST_REQUEST_MS = 20;

/** Reads the scenario's cold users straight from the sandbox (see `Scenario.sandboxPrime`). */
async function primeSandbox(scenario: Scenario, upstream: Upstream): Promise<void> {
  const wanted = plan.countOperations + Math.ceil(plan.latencyPhaseMs / FASTEST_REQUEST_MS);
  const users = (scenario.sandboxPrime ?? []).slice(0, wanted);
  if (users.length === 0) {
    return;
  }

  process.stderr.write(`  reading ${users.length} users' data from the sandbox first …\n`);
  const client = createDirectClient(upstream.sandbox.url, 2);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      await client.headline(users[next++] as string);
    }
  };

  await Promise.all([worker(), worker()]);
  await client.close();
}

async function main(): Promise<void> {
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg()[0] ?? 0;
  const wantsNaive = scenarios.some((scenario) => scenario.lines.includes('naive'));
  const upstreams = new Map<Scenario['sandbox'], Upstream>();
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    let upstream = upstreams.get(scenario.sandbox);
    if (upstream === undefined) {
      upstream = await startUpstream(scenario.sandbox === 'zero' ? 0 : latencyMs, wantsNaive);
      upstreams.set(scenario.sandbox, upstream);
    }

    process.stderr.write(`${scenario.title}\n`);
    results.push(await runScenario(scenario, upstream));
  }

  await stopAll();

  let subscriptions: SubscriptionResult | 'not available' | 'not run' = 'not run';
  if (runsSubscriptions) {
    process.stderr.write('4. open dataReady subscriptions over SSE\n');
    subscriptions = hasDataReady() ? await runSubscriptions() : 'not available';
  }

  const report: BenchReport = {
    mode: options.quick ? 'quick' : 'full',
    startedAt,
    durationSeconds: (performance.now() - began) / 1000,
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${platform()} ${release()}`,
      loadAverageAtStart,
    },
    settings: { sandboxLatencyMs: latencyMs, plan },
    processes: startedChildren,
    scenarios: results,
    extra: { subscriptions },
    targets: evaluateTargets(results, latencyMs, subscriptionTargets(subscriptions)),
  };
  const markdown = renderMarkdown(report);
  mkdirSync(options.out, { recursive: true });
  const name = options.quick ? 'quick' : 'latest';
  writeFileSync(join(options.out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(options.out, `${name}.md`), markdown);
  console.log(markdown);
}

try {
  await main();
} catch (error) {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
}
