import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every logger the tests would have silenced writes at debug level into
 * one capture file instead (see `log-capture-setup.ts`), and after the last test file the
 * capture is searched for anything that must never reach a log: the sandbox tokens, the client
 * secrets the tests configure, and pieces of upstream bodies. One hit fails the run.
 */
export const LOG_FILE_VARIABLE = 'PELM_TEST_LOG_FILE';

/** What no log line may contain, whatever test produced it. */
export const NEVER_LOGGED = [
  // Sandbox and test tokens: Pelm access tokens never expire.
  'sandbox-bob',
  'sandbox-alice-sce',
  'sandbox-alice-socalgas',
  'sandbox-pelm',
  'sandbox-stale',
  'sandbox-new-',
  'sandbox-user-',
  'not-a-sandbox-token',
  // Client secrets configured by tests.
  'secret-xyz',
  // Upstream bodies: addresses, account numbers and internal detail Pelm (or a fake) sent.
  '1077345636',
  'WARRIORS WAY',
  'MAIN ST SAN FRANCISCO',
  'pg: connection refused',
  'Quota reached for client',
];

let directory: string | undefined;

export function setup(): void {
  directory = mkdtempSync(join(tmpdir(), 'pelm-graphql-logs-'));
  const file = join(directory, 'suite.log');
  writeFileSync(file, '');
  process.env[LOG_FILE_VARIABLE] = file;
}

export function teardown(): void {
  const file = process.env[LOG_FILE_VARIABLE];
  if (file === undefined || directory === undefined) {
    return;
  }

  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '').length;
  const hits = NEVER_LOGGED.map(
    (needle) => [needle, text.split(needle).length - 1] as const,
  ).filter(([, count]) => count > 0);
  if (hits.length > 0) {
    // The file is kept for the reader; the message names what leaked, never a whole line.
    // Vitest reports an error thrown here but still exits 0, so the exit code is set too.
    process.exitCode = 1;
    throw new Error(
      `Log capture: ${lines} lines; found ${hits.map(([needle, count]) => `${needle} ×${count}`).join(', ')} in ${file}`,
    );
  }

  process.stdout.write(
    `Log capture: ${lines} log lines checked, no token, secret or upstream body.\n`,
  );
  rmSync(directory, { recursive: true, force: true });
}
