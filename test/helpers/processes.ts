import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningProcess {
  child: ChildProcess;
  /** The URL from the process's `{"event":"listening","url":…}` line. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs one of our entry points (`src/main.ts`, `src/sandbox/main.ts`) as a separate Node
 * process through tsx, and waits for its JSON "listening" line on standard output.
 */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${entry} did not start in ${timeoutMs} ms: ${stderr.join('')}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const parsed = parseJson(line);
      if (parsed?.['event'] === 'listening' && typeof parsed['url'] === 'string') {
        clearTimeout(timer);
        resolve(parsed['url']);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}: ${stderr.join('')}`));
    });
  });

  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();

          return;
        }

        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);

    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
