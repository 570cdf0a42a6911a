import { LOG_LEVELS, type LogLevel } from '../logger.js';
import { parseInstant } from '../rfc3339.js';
import type { SandboxOptions } from './server.js';

/**
 * Reads the sandbox command's settings from environment variables. Every bad value gets its own
 * message naming the variable, what it accepts and what it got, so one run reports them all.
 */

export interface SandboxSettings {
  options: SandboxOptions;
  logLevel: LogLevel;
}

export type SandboxSettingsResult =
  { ok: true; settings: SandboxSettings } | { ok: false; errors: string[] };

/** Port used when `SANDBOX_PORT` is not set. */
export const DEFAULT_SANDBOX_PORT = 4010;

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

function describe(value: string): string {
  return JSON.stringify(value);
}

function parseNow(raw: string): number | string {
  // The same rule as the gateway's own SANDBOX_NOW.
  return (
    parseInstant(raw) ??
    'SANDBOX_NOW must be an ISO-8601 date-time (2024-06-01T00:00:00Z) or epoch seconds, ' +
      `in years 1970 to 9999, got ${describe(raw)}.`
  );
}

/** Settings from `env`, or every problem found in it. */
export function readSandboxSettings(env: NodeJS.ProcessEnv): SandboxSettingsResult {
  const errors: string[] = [];
  const options: SandboxOptions = { port: DEFAULT_SANDBOX_PORT };
  const set = (name: string) => {
    const value = env[name];

    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const port = set('SANDBOX_PORT');
  if (port !== undefined) {
    if (INTEGER.test(port) && Number(port) <= 65_535) {
      options.port = Number(port);
    } else {
      errors.push(`SANDBOX_PORT must be an integer from 0 to 65535, got ${describe(port)}.`);
    }
  }

  const host = set('SANDBOX_HOST');
  if (host !== undefined) {
    options.host = host;
  }

  const now = set('SANDBOX_NOW');
  if (now !== undefined) {
    const parsed = parseNow(now);
    if (typeof parsed === 'string') {
      errors.push(parsed);
    } else {
      options.now = parsed;
    }
  }

  const sync = set('SANDBOX_SYNC_SECONDS');
  if (sync !== undefined) {
    if (DECIMAL.test(sync)) {
      options.syncSeconds = Number(sync);
    } else {
      errors.push(
        `SANDBOX_SYNC_SECONDS must be a number of seconds of at least 0, got ${describe(sync)}.`,
      );
    }
  }

  const latency = set('SANDBOX_LATENCY_MS');
  if (latency !== undefined) {
    if (DECIMAL.test(latency)) {
      options.latencyMs = Number(latency);
    } else {
      errors.push(
        `SANDBOX_LATENCY_MS must be a number of milliseconds of at least 0, got ${describe(latency)}.`,
      );
    }
  }

  const clientId = set('SANDBOX_CLIENT_ID');
  if (clientId !== undefined) {
    options.clientId = clientId;
  }

  const secret = set('SANDBOX_SECRET');
  if (secret !== undefined) {
    options.secret = secret;
  }

  const level = set('LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((candidate) => candidate === level);
  if (logLevel === undefined) {
    errors.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${describe(level)}.`);
  }

  if (errors.length > 0 || logLevel === undefined) {
    return { ok: false, errors };
  }

  return { ok: true, settings: { options, logLevel } };
}
