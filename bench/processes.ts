import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: compiled entry points are resolved from here. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Longest wait for a child's `{"event":"listening"}` line. */
const START_TIMEOUT_MS = 20_000;
/** After SIGTERM, how long a child gets before SIGKILL. */
const STOP_GRACE_MS = 3_000;

/** Clock ticks per second of /proc's utime and stime; 100 on every Linux we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Child {
  name: string;
  pid: number;
  /** The URL from the child's listening line. */
  url: string;
  stop(): Promise<void>;
}

/** Every child started in this run, for the report: a test checks none is left running. */
export const startedChildren: Array<{ name: string; pid: number }> = [];

/** Every child still running, so an error or a signal in the harness can end them all. */
const running = new Set<ChildProcess>();

/**
 * Starts a compiled entry point (relative to the repository root) as its own Node process and
 * waits for the JSON line with `"event":"listening"` and a `url` that both the sandbox and the
 * gateway print. Standard output is drained so a chatty child never blocks on a full pipe.
 */
export async function startChild(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<Child> {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    // Only the start of stderr matters for a failure message; keep it bounded.
    if (stderr.length < 50) {
      stderr.push(chunk.toString());
    }
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms: ${stderr.join('')}`));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const url = listeningUrl(line);
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening: ${stderr.join('')}`));
    });
  });

  if (child.pid === undefined) {
    throw new Error(`${name} has no pid`);
  }

  startedChildren.push({ name, pid: child.pid });

  return { name, pid: child.pid, url, stop: () => stopChild(child) };
}

function listeningUrl(line: string): string | undefined {
  if (!line.includes('"listening"')) {
    return undefined;
  }

  try {
    const parsed = JSON.parse(line) as { event?: unknown; url?: unknown };

    return parsed.event === 'listening' && typeof parsed.url === 'string' ? parsed.url : undefined;
  } catch {
    return undefined;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Stops every child still running; safe to call more than once. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/**
 * Kills every child at once, synchronously: for `process.on('exit')`, where nothing asynchronous
 * runs any more.
 */
export function killAllNow(): void {
  for (const child of running) {
    child.kill('SIGKILL');
  }
}

/** CPU time (user + system) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in parentheses may hold spaces; the fields we need come after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);

  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size now and its peak since start (or the last `resetPeakRss`), in KiB. */
export function rssKib(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);

  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
