import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BenchReport } from '../../bench/report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Compile plus every scenario in quick mode; generous, as other suites share the cores. */
const RUN_TIMEOUT_MS = 400_000;

// CI only: `npm run bench -- --quick` compiles the project and runs every scenario for a few
// seconds each (over a minute in all), too slow for the everyday run. It proves the harness
// works and checks upstream call counts; timing figures are the benchmark's job, not a test's.
const inCi = process.env.CI === 'true';

let report: BenchReport;
let outDir: string;

beforeAll(async () => {
  if (!inCi) {
    return;
  }

  outDir = mkdtempSync(join(tmpdir(), 'pelm-bench-'));
  await promisify(execFile)('npm', ['run', '-s', 'bench', '--', '--quick', `--out=${outDir}`], {
    cwd: ROOT,
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  report = JSON.parse(readFileSync(join(outDir, 'quick.json'), 'utf8')) as BenchReport;
}, RUN_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (outDir !== undefined) {
    rmSync(outDir, { recursive: true, force: true });
  }
});

function calls(scenario: string): Record<string, number> {
  const found = report.scenarios.find((candidate) => candidate.id === scenario);

  return Object.fromEntries(
    Object.values(found?.lines ?? {}).map((line) => [line.line, line.callsPerOperation]),
  );
}

describe.runIf(inCi)('npm run bench -- --quick', () => {
  it('writes the table as Markdown with the core count and every target judged', () => {
    const markdown = readFileSync(join(outDir, 'quick.md'), 'utf8');

    expect(markdown).toContain(`**${report.machine.cores} cores**`);
    expect(report.targets.map((target) => target.id)).toEqual([
      'headline-cold-calls',
      'headline-cold-p50',
      'headline-warm-calls',
      'headline-warm-throughput',
      'month-cpu',
      'year-cpu',
      'year-day-cpu',
      'year-series-cpu',
      'sse-memory',
      'sse-one-loop',
    ]);
    expect(report.targets.every((target) => target.status !== 'N/A')).toBe(true);
  });

  it('costs the gateway 2 upstream calls for a cold 3-account headline, against 4 for naive and direct', () => {
    expect(calls('headline-cold')).toEqual({ gateway: 2, naive: 4, direct: 4 });
  });

  it('answers users it has read before from its cache, where naive and direct call Pelm again', () => {
    expect(calls('headline-warm')).toEqual({ gateway: 0, naive: 4 });
    expect(calls('month')).toEqual({ gateway: 0, naive: 7, direct: 7 });
    expect(calls('year')).toEqual({ gateway: 0, naive: 2 });
    expect(calls('year-day')).toEqual({ gateway: 0 });
    expect(calls('year-series')).toEqual({ gateway: 0 });
  });

  it('answers every request of every scenario without an error', () => {
    const errors = report.scenarios.flatMap((scenario) =>
      Object.values(scenario.lines).map((line) => `${scenario.id}/${line.line}: ${line.errors}`),
    );

    expect(errors.filter((entry) => !entry.endsWith(': 0'))).toEqual([]);
  });

  it('keeps one poll loop per syncing user however many subscriptions are open', () => {
    const { subscriptions } = report.extra;
    if (typeof subscriptions === 'string') {
      throw new Error(`subscriptions scenario ${subscriptions}`);
    }

    expect(subscriptions.open).toBe(subscriptions.subscriptions);
    expect(report.targets.find((target) => target.id === 'sse-one-loop')?.status).toBe('PASS');
  });

  it('leaves no process behind', () => {
    expect(report.processes.length).toBeGreaterThanOrEqual(4);
    expect(report.processes.filter(({ pid }) => existsSync(`/proc/${pid}`))).toEqual([]);
  });
});
