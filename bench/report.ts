import type { LineResult, PhasePlan } from './measure.js';
import type { LineName } from './scenarios.js';
import type { SubscriptionResult } from './subscriptions.js';

export interface ScenarioResult {
  id: string;
  title: string;
  query: string;
  lines: Partial<Record<LineName, LineResult>>;
  notes: string[];
}

export type TargetStatus = 'PASS' | 'MISS' | 'N/A';

export interface TargetResult {
  id: string;
  description: string;
  measured: string;
  status: TargetStatus;
}

export interface BenchReport {
  mode: 'full' | 'quick';
  startedAt: string;
  durationSeconds: number;
  machine: {
    cores: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    platform: string;
    /** 1-minute load average when the run started: other work on a shared machine shows here. */
    loadAverageAtStart: number;
  };
  settings: { sandboxLatencyMs: number; plan: PhasePlan };
  /** Every process the run started; all are stopped before the report is written. */
  processes: Array<{ name: string; pid: number }>;
  scenarios: ScenarioResult[];
  /** Scenario 4, measured apart from the request/response scenarios. */
  extra: { subscriptions: SubscriptionResult | 'not available' | 'not run' };
  targets: TargetResult[];
}

const LINE_LABELS: Record<LineName, string> = {
  gateway: 'gateway',
  naive: 'naive Yoga',
  direct: 'direct (frontend → Pelm)',
};

/** Fixed decimals, or an em dash for a missing figure. */
function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : value.toFixed(digits);
}

function ratio(numerator: number | null, denominator: number | null): string {
  if (numerator === null || denominator === null || denominator === 0) {
    return '—';
  }

  return `${(numerator / denominator).toFixed(2)}×`;
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );

  return lines.join('\n');
}

function resultRows(scenarios: ScenarioResult[]): string[][] {
  return scenarios.flatMap((scenario) =>
    Object.values(scenario.lines).map((line) => [
      scenario.title,
      LINE_LABELS[line.line],
      fixed(line.throughput.operationsPerSecond, 0),
      fixed(line.latency.latencyMs.p50, 1),
      fixed(line.latency.latencyMs.p90, 1),
      fixed(line.latency.latencyMs.p99, 1),
      fixed(line.callsPerOperation, 2),
      fixed(line.cpuMsPerOperation, 2),
      fixed(line.peakRssMiB, 0),
      String(line.errors),
    ]),
  );
}

function ratioRows(scenarios: ScenarioResult[]): string[][] {
  return scenarios.flatMap((scenario) => {
    const gateway = scenario.lines.gateway;
    if (gateway === undefined) {
      return [];
    }

    return (['naive', 'direct'] as const).flatMap((name) => {
      const other = scenario.lines[name];

      return other === undefined
        ? []
        : [
            [
              scenario.title,
              LINE_LABELS[name],
              ratio(gateway.throughput.operationsPerSecond, other.throughput.operationsPerSecond),
              ratio(gateway.latency.latencyMs.p50, other.latency.latencyMs.p50),
              ratio(gateway.callsPerOperation, other.callsPerOperation),
              ratio(gateway.cpuMsPerOperation, other.cpuMsPerOperation),
            ],
          ];
    });
  });
}

/** The report as Markdown: what the console shows and what `bench/results/*.md` holds. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, settings } = report;
  const sections = [
    `# pelm-graphql benchmark (${report.mode})`,
    [
      `${report.startedAt}, ${report.durationSeconds.toFixed(0)} s. Machine: **${machine.cores} cores** ` +
        `(${machine.cpuModel}), ${machine.memoryGiB.toFixed(0)} GiB, Node ${machine.node}, ` +
        `${machine.platform}; 1-minute load average at start ${machine.loadAverageAtStart.toFixed(2)}.`,
      `Sandbox added latency ${settings.sandboxLatencyMs} ms per Pelm call (scenario 3: 0 ms). ` +
        `Throughput (req/s) at ${settings.plan.connections} connections for ` +
        `${settings.plan.throughputPhaseMs / 1000} s; latency (ms) at concurrency 1 for ` +
        `${settings.plan.latencyPhaseMs / 1000} s; upstream calls per operation counted at the ` +
        `sandbox over ${settings.plan.countOperations} sequential requests; CPU per request ` +
        `from /proc over the throughput phase; RSS is the server process's peak.`,
    ].join('\n'),
    table(
      [
        'Scenario',
        'Line',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'upstream calls/op',
        'CPU ms/req',
        'peak RSS MiB',
        'errors',
      ],
      resultRows(report.scenarios),
    ),
    '## The gateway as a ratio to the reference lines',
    table(
      ['Scenario', 'Against', 'req/s', 'p50', 'upstream calls', 'CPU/req'],
      ratioRows(report.scenarios),
    ),
    '## 4. Open dataReady subscriptions (SSE)',
    subscriptionSection(report.extra.subscriptions),
    '## Targets',
    table(
      ['Target', 'Measured', 'Status'],
      report.targets.map((target) => [target.description, target.measured, target.status]),
    ),
  ];
  const notes = report.scenarios.flatMap((scenario) =>
    scenario.notes.map((note) => `- ${scenario.title}: ${note}`),
  );
  if (notes.length > 0) {
    sections.push('## Notes', notes.join('\n'));
  }

  return `${sections.join('\n\n')}\n`;
}

function subscriptionSection(result: SubscriptionResult | 'not available' | 'not run'): string {
  if (result === 'not run') {
    return 'Not run.';
  }

  if (result === 'not available') {
    return 'Not available: the schema has no `Subscription.dataReady`.';
  }

  return [
    `${result.subscriptions} subscriptions for ${result.users} syncing users ` +
      `(\`sandbox-new-bench-<i>\`), one SSE connection each; the gateway polls a syncing ` +
      `user every ${(60 / result.oneLoopPollsPerMinute).toFixed(0)} s (fixed pause, no jitter).`,
    '',
    table(
      [
        'open',
        'failed',
        'opened in s',
        'RSS before MiB',
        'RSS open MiB',
        'KB per subscription',
        'polls/user/min',
        'max polls/user/min',
      ],
      [
        [
          String(result.open),
          String(result.failed),
          fixed(result.openSeconds, 1),
          fixed(result.rssBeforeMiB, 0),
          fixed(result.rssOpenMiB, 0),
          fixed((result.kibPerSubscription * 1024) / 1000, 1),
          fixed(result.pollsPerUserPerMinute, 1),
          fixed(result.maxPollsPerUserPerMinute, 1),
        ],
      ],
    ),
  ].join('\n');
}
