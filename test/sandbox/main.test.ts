import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_PORT, readSandboxSettings } from '../../src/sandbox/env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runSandbox(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the URL of the first `"event":"listening"` line on the child's stdout. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) {
      reject(new Error('the child has no stdout'));

      return;
    }

    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.includes('"event":"listening"')) {
        return;
      }

      const match = /^\{"event":"listening","url":"([^"]+)"\}$/.exec(line);
      if (match?.[1] === undefined) {
        reject(new Error(`The listening line is not in the agreed shape: ${line}`));
      } else {
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
  });
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) {
    text += String(chunk);
  }

  return text;
}

describe('src/sandbox/main.ts', () => {
  it('prints the listening line, serves Pelm routes and stops on SIGTERM', async () => {
    const child = runSandbox({ SANDBOX_PORT: '0', SANDBOX_NOW: '2026-12-03T19:40:00Z' });
    try {
      const url = await listeningUrl(child);

      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/accounts`, {
        headers: { authorization: 'Bearer sandbox-bob' },
      });
      const accounts = (await response.json()) as unknown[];

      expect(response.status).toBe(200);
      expect(accounts).toHaveLength(3);
    } finally {
      child.kill('SIGTERM');
    }

    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(0);
  });

  it('exits 1 with one clear message per bad variable', async () => {
    const child = runSandbox({ SANDBOX_PORT: 'http', SANDBOX_LATENCY_MS: '-5' });
    const stderr = collect(child.stderr);
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect((await stderr).trim().split('\n')).toEqual([
      'sandbox: SANDBOX_PORT must be an integer from 0 to 65535, got "http".',
      'sandbox: SANDBOX_LATENCY_MS must be a number of milliseconds of at least 0, got "-5".',
    ]);
  });
});

describe('readSandboxSettings', () => {
  it('uses port 4010 and level info when nothing is set', () => {
    expect(readSandboxSettings({})).toEqual({
      ok: true,
      settings: { options: { port: DEFAULT_SANDBOX_PORT }, logLevel: 'info' },
    });
  });

  it('reads every variable', () => {
    const result = readSandboxSettings({
      SANDBOX_PORT: '0',
      SANDBOX_HOST: '0.0.0.0',
      SANDBOX_NOW: '2024-06-01T00:00:00Z',
      SANDBOX_SYNC_SECONDS: '0.5',
      SANDBOX_CLIENT_ID: 'id',
      SANDBOX_SECRET: 'secret',
      SANDBOX_LATENCY_MS: '25',
      LOG_LEVEL: 'warn',
    });

    expect(result).toEqual({
      ok: true,
      settings: {
        options: {
          port: 0,
          host: '0.0.0.0',
          now: 1_717_200_000,
          syncSeconds: 0.5,
          clientId: 'id',
          secret: 'secret',
          latencyMs: 25,
        },
        logLevel: 'warn',
      },
    });
  });

  it('takes SANDBOX_NOW as epoch seconds too', () => {
    const result = readSandboxSettings({ SANDBOX_NOW: '1717200000' });

    expect(result.ok && result.settings.options.now).toBe(1_717_200_000);
  });

  it('reports each bad value', () => {
    const result = readSandboxSettings({
      SANDBOX_PORT: '65536',
      SANDBOX_NOW: 'tomorrow',
      SANDBOX_SYNC_SECONDS: 'fast',
      LOG_LEVEL: 'chatty',
    });

    expect(result).toEqual({
      ok: false,
      errors: [
        'SANDBOX_PORT must be an integer from 0 to 65535, got "65536".',
        'SANDBOX_NOW must be an ISO-8601 date-time (2024-06-01T00:00:00Z) or epoch seconds, in years 1970 to 9999, got "tomorrow".',
        'SANDBOX_SYNC_SECONDS must be a number of seconds of at least 0, got "fast".',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "chatty".',
      ],
    });
  });
});
