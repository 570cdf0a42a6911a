import { z } from 'zod';

import { LOG_LEVELS, type LogLevel } from './logger.js';

/** The gateway's settings, read once from the environment at start. */
export interface Config {
  /** Port the gateway listens on. @default 4000 */
  port: number;
  /** Interface the gateway binds to. @default '0.0.0.0' */
  host: string;
  /**
   * Base URL of the Pelm API, e.g. `https://api.pelm.com`. When absent the gateway starts the
   * embedded sandbox and points itself at it.
   */
  pelmApiUrl: string | undefined;
  /** Sent as `Pelm-Client-Id` on every upstream call when set. */
  pelmClientId: string | undefined;
  /** Sent as `Pelm-Secret` on every upstream call when set. Never logged. */
  pelmSecret: string | undefined;
  /** Upstream connect timeout. @default 5_000 */
  pelmConnectTimeoutMs: number;
  /** Time allowed for Pelm to send response headers. @default 10_000 */
  pelmHeadersTimeoutMs: number;
  /** Time allowed between two chunks of a response body. @default 15_000 */
  pelmBodyTimeoutMs: number;
  /** Connections per upstream origin. @default 32 */
  pelmConnections: number;
  /** Embedded sandbox: seconds a `sandbox-new-*` user takes to sync. @default 30 */
  sandboxSyncSeconds: number;
  /** Embedded sandbox: its clock, pinned (epoch seconds); real time when undefined. */
  sandboxNow: number | undefined;
  /** Embedded sandbox: the port it listens on; 0 picks a free one. @default 0 */
  sandboxPort: number;
  /**
   * Secret for the keyed hash of tokens in cache keys and Redis names. Required with
   * `REDIS_URL` (every instance must derive the same names); random per process otherwise.
   */
  tokenHashSecret: string | undefined;
  logLevel: LogLevel;
  /** `production` turns off development helpers (see README). */
  nodeEnv: 'production' | 'development' | 'test';
}

const port = z.coerce
  .number({ error: 'must be a whole number from 0 to 65535' })
  .int('must be a whole number from 0 to 65535')
  .min(0, 'must be a whole number from 0 to 65535')
  .max(65_535, 'must be a whole number from 0 to 65535');

const milliseconds = z.coerce
  .number({ error: 'must be a whole number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(1, 'must be at least 1 millisecond')
  .max(600_000, 'must be at most 600000 milliseconds (10 minutes)');

const optionalText = z
  .string()
  .transform((value) => (value.trim() === '' ? undefined : value))
  .optional();

const httpUrl = z
  .string()
  .transform((value) => (value.trim() === '' ? undefined : value.trim()))
  .pipe(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.pelm.com' })
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  )
  .optional();

/** ISO-8601 with an offset, or epoch seconds. */
const instant = z
  .string()
  .transform((value, context) => {
    const text = value.trim();
    if (text === '') {
      return undefined;
    }

    if (/^\d+$/.test(text)) {
      return Number(text);
    }

    const ms = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms)) {
      context.addIssue({
        code: 'custom',
        message: 'must be epoch seconds or an ISO-8601 time with a zone, e.g. 2024-06-01T00:00:00Z',
      });

      return z.NEVER;
    }

    return Math.floor(ms / 1000);
  })
  .optional();

const environmentSchema = z.object({
  PORT: port.default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PELM_API_URL: httpUrl,
  PELM_CLIENT_ID: optionalText,
  PELM_SECRET: optionalText,
  PELM_CONNECT_TIMEOUT_MS: milliseconds.default(5_000),
  PELM_HEADERS_TIMEOUT_MS: milliseconds.default(10_000),
  PELM_BODY_TIMEOUT_MS: milliseconds.default(15_000),
  PELM_CONNECTIONS: z.coerce
    .number({ error: 'must be a whole number from 1 to 1024' })
    .int('must be a whole number from 1 to 1024')
    .min(1, 'must be a whole number from 1 to 1024')
    .max(1024, 'must be a whole number from 1 to 1024')
    .default(32),
  SANDBOX_SYNC_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0, 'must be zero or more seconds')
    .max(86_400, 'must be at most 86400 seconds (one day)')
    .default(30),
  SANDBOX_NOW: instant,
  SANDBOX_PORT: port.default(0),
  TOKEN_HASH_SECRET: optionalText.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  NODE_ENV: z
    .enum(['production', 'development', 'test'], {
      error: 'must be production, development or test',
    })
    .default('development'),
});

/** Variables whose values are never repeated in a message. */
const SECRET_VARIABLES = new Set(['PELM_SECRET', 'TOKEN_HASH_SECRET']);

/** Thrown when the environment holds values the gateway cannot run with. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One sentence per bad variable, e.g. `PORT must be a whole number from 0 to 65535 (got "x")`. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Reads and validates the settings. Every bad variable is reported, each in one sentence naming
 * the variable, the rule and the value received (secrets are never echoed).
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const received = environment[name];
      const shown =
        SECRET_VARIABLES.has(name) || received === undefined ? '' : ` (got "${received}")`;

      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }

  const env = result.data;

  return {
    port: env.PORT,
    host: env.HOST,
    pelmApiUrl: env.PELM_API_URL,
    pelmClientId: env.PELM_CLIENT_ID,
    pelmSecret: env.PELM_SECRET,
    pelmConnectTimeoutMs: env.PELM_CONNECT_TIMEOUT_MS,
    pelmHeadersTimeoutMs: env.PELM_HEADERS_TIMEOUT_MS,
    pelmBodyTimeoutMs: env.PELM_BODY_TIMEOUT_MS,
    pelmConnections: env.PELM_CONNECTIONS,
    sandboxSyncSeconds: env.SANDBOX_SYNC_SECONDS,
    sandboxNow: env.SANDBOX_NOW,
    sandboxPort: env.SANDBOX_PORT,
    tokenHashSecret: env.TOKEN_HASH_SECRET,
    logLevel: env.LOG_LEVEL,
    nodeEnv: env.NODE_ENV,
  };
}
