import { z } from 'zod';

import { LOG_LEVELS, type LogLevel } from './logger.js';
import { parseInstant } from './rfc3339.js';

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
  /**
   * Redis for `dataReady` across instances (`redis://host:6379/0`): events travel through it
   * and a lock in it keeps one poll loop per user. Unset: everything stays in this process.
   */
  redisUrl: string | undefined;
  /** Sync watcher: shortest pause between two probes of a syncing user. @default 2_000 */
  syncPollMinMs: number;
  /** Sync watcher: longest pause between two probes; pauses double up to it. @default 60_000 */
  syncPollMaxMs: number;
  /**
   * Sync watcher: share of each pause drawn at random (0 to 1), so users who connected together
   * are not probed in step. @default 0.2
   */
  syncPollJitter: number;
  /**
   * `dataReady` ends with `DATA_UNAVAILABLE` when the user is still syncing this long after the
   * subscription started. @default 1_800_000 (30 minutes)
   */
  syncReadyLimitMs: number;
  /**
   * With Redis: how long the poll-loop lock outlives its holder. Another instance takes the loop
   * over within this time plus a third of it after the holder dies. @default 15_000
   */
  syncLockTtlMs: number;
  /** Deepest field nesting a query may have. @default 10 */
  graphqlMaxDepth: number;
  /** Aliases one operation may use. @default 20 */
  graphqlMaxAliases: number;
  /** Lexical tokens one document may have. @default 2_000 */
  graphqlMaxTokens: number;
  /** Directives one operation may use. @default 10 */
  graphqlMaxDirectives: number;
  /** Highest estimated Pelm cost of one operation (see README). @default 200_000 */
  graphqlMaxCost: number;
  /** Most Pelm calls one operation may imply. @default 100 */
  graphqlMaxUpstreamCalls: number;
  /** Largest request body, in bytes. @default 131_072 */
  graphqlMaxBodyBytes: number;
  /** Operations allowed in one batched request; 0 turns batching off. @default 0 */
  graphqlBatchLimit: number;
  /** Operations one token may send per window; 0 turns the rate limit off. @default 300 */
  rateLimitRequests: number;
  /** Length of the rate-limit window. @default 60_000 */
  rateLimitWindowMs: number;
  /** Origins whose pages may call the gateway from a browser. @default [] (none) */
  corsOrigins: string[];
  /** Whether introspection answers. @default false in production, true otherwise */
  graphqlIntrospection: boolean;
  /** Whether GraphiQL is served. @default false in production, true otherwise */
  graphiql: boolean;
  /**
   * Longest time one GraphQL query or mutation waits for Pelm; fields whose calls it cuts get
   * `UPSTREAM_TIMEOUT`. @default 20_000
   */
  requestDeadlineMs: number;
  /** Retries of idempotent Pelm calls (network faults, 429, real 5xx). */
  pelmRetry: {
    /** Retries after the first request; 0 turns retries off. @default 2 */
    retries: number;
    /** First backoff ceiling; doubles per retry, full jitter below it. @default 200 */
    baseDelayMs: number;
    /** Ceiling on one backoff wait. @default 2_000 */
    maxDelayMs: number;
    /** Longest `Retry-After` waited out; longer ones fail at once with it. @default 5_000 */
    maxRetryAfterMs: number;
    /** Retries may add at most this share of calls (over 10 s, beyond 20). @default 0.2 */
    budgetRatio: number;
  };
  /** One circuit breaker per Pelm endpoint. */
  pelmBreaker: {
    /** Upstream faults in a row that open it; 0 turns breakers off. @default 5 */
    failureThreshold: number;
    /** Distinct callers among those faults that it takes. @default 2 */
    minCallers: number;
    /** Time open before one trial request goes through. @default 10_000 */
    halfOpenAfterMs: number;
  };
  /** The cross-request cache of Pelm answers. */
  cache: {
    /** Entries kept at most; 0 turns the cache (and sharing across requests) off. @default 50_000 */
    maxEntries: number;
    /** Estimated bytes the entries may take. @default 67_108_864 (64 MiB) */
    maxBytes: number;
    /** @default 600_000 */
    accountsTtlMs: number;
    /** @default 1_800_000 */
    billsTtlMs: number;
    /** Intervals windows that may still change. @default 300_000 */
    recentIntervalsTtlMs: number;
    /** Intervals windows that ended before `intervalsClosedAfterMs` ago. @default 21_600_000 */
    closedIntervalsTtlMs: number;
    /** @default 300_000 */
    userTtlMs: number;
    /** @default 172_800_000 (48 hours) */
    intervalsClosedAfterMs: number;
    /** Life of a `data_unavailable` marker; 0 keeps none. @default 5_000 */
    notReadyTtlMs: number;
    /** Expired answers served while one refresh runs, up to this long. @default 60_000 */
    staleWhileRevalidateMs: number;
    /** Expired answers served while Pelm fails, up to this long. @default 3_600_000 */
    staleIfErrorMs: number;
  };
  logLevel: LogLevel;
  /** `production` turns off development helpers (see README). */
  nodeEnv: 'production' | 'development' | 'test';
}

/**
 * A number written in decimal. `z.coerce.number` would take whatever `Number()` takes:
 * `0x1006`, `1e3`, `Infinity`, and an empty string as 0.
 */
function decimal<TSchema extends z.ZodType>(schema: TSchema) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') {
      return value;
    }

    const text = value.trim();

    return /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  }, schema);
}

const port = decimal(
  z
    .number({ error: 'must be a whole number from 0 to 65535' })
    .int('must be a whole number from 0 to 65535')
    .min(0, 'must be a whole number from 0 to 65535')
    .max(65_535, 'must be a whole number from 0 to 65535'),
);

const milliseconds = decimal(
  z
    .number({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(1, 'must be at least 1 millisecond')
    .max(600_000, 'must be at most 600000 milliseconds (10 minutes)'),
);

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
      .refine(
        (value) => {
          const url = new URL(value);

          return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
        },
        // Pelm's keys go in PELM_CLIENT_ID and PELM_SECRET; the client adds paths and queries.
        'must be a base URL without user, password, query or fragment, such as ' +
          'https://api.pelm.com',
      )
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  )
  .optional();

function wholeNumber(min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;

  return decimal(z.number({ error: rule }).int(rule).min(min, rule).max(max, rule));
}

/** `true`/`false` (or `1`/`0`); unset leaves the choice to `NODE_ENV`. */
const onOff = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', ''], { error: 'must be true or false' }))
  .transform((value) => (value === '' ? undefined : value === 'true' || value === '1'))
  .optional();

/** ISO-8601 with an offset, or epoch seconds. */
const instant = z
  .string()
  .transform((value, context) => {
    const text = value.trim();
    if (text === '') {
      return undefined;
    }

    const seconds = parseInstant(text);
    if (seconds === undefined) {
      context.addIssue({
        code: 'custom',
        message:
          'must be epoch seconds or an ISO-8601 time with a zone, e.g. 2024-06-01T00:00:00Z, ' +
          'in years 1970 to 9999',
      });

      return z.NEVER;
    }

    return seconds;
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
  PELM_CONNECTIONS: decimal(
    z
      .number({ error: 'must be a whole number from 1 to 1024' })
      .int('must be a whole number from 1 to 1024')
      .min(1, 'must be a whole number from 1 to 1024')
      .max(1024, 'must be a whole number from 1 to 1024'),
  ).default(32),
  SANDBOX_SYNC_SECONDS: decimal(
    z
      .number({ error: 'must be a number of seconds' })
      .min(0, 'must be zero or more seconds')
      .max(86_400, 'must be at most 86400 seconds (one day)'),
  ).default(30),
  SANDBOX_NOW: instant,
  SANDBOX_PORT: port.default(0),
  TOKEN_HASH_SECRET: optionalText.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  REDIS_URL: z
    .string()
    .transform((value) => (value.trim() === '' ? undefined : value.trim()))
    .pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional())
    .optional(),
  SYNC_POLL_MIN_MS: milliseconds.default(2_000),
  SYNC_POLL_MAX_MS: milliseconds.default(60_000),
  SYNC_POLL_JITTER: decimal(
    z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, 'must be a number from 0 to 1')
      .max(1, 'must be a number from 0 to 1'),
  ).default(0.2),
  SYNC_READY_LIMIT_MS: decimal(
    z
      .number({ error: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(1, 'must be at least 1 millisecond')
      .max(86_400_000, 'must be at most 86400000 milliseconds (one day)'),
  ).default(1_800_000),
  SYNC_LOCK_TTL_MS: milliseconds
    .pipe(z.number().min(300, 'must be at least 300 milliseconds'))
    .default(15_000),
  GRAPHQL_MAX_DEPTH: wholeNumber(1, 1_000).default(10),
  GRAPHQL_MAX_ALIASES: wholeNumber(0, 100_000).default(20),
  GRAPHQL_MAX_TOKENS: wholeNumber(1, 10_000_000).default(2_000),
  GRAPHQL_MAX_DIRECTIVES: wholeNumber(0, 100_000).default(10),
  GRAPHQL_MAX_COST: wholeNumber(1, 1_000_000_000).default(200_000),
  GRAPHQL_MAX_UPSTREAM_CALLS: wholeNumber(1, 100_000).default(100),
  GRAPHQL_MAX_BODY_BYTES: wholeNumber(1_024, 104_857_600).default(131_072),
  GRAPHQL_BATCH_LIMIT: wholeNumber(0, 1_000).default(0),
  RATE_LIMIT_REQUESTS: wholeNumber(0, 10_000_000).default(300),
  RATE_LIMIT_WINDOW_MS: milliseconds.default(60_000),
  CORS_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^https?:\/\/[^/\s]+$/, 'must list origins such as https://app.example.com'),
      ),
    )
    .default([]),
  GRAPHQL_INTROSPECTION: onOff,
  GRAPHIQL: onOff,
  REQUEST_DEADLINE_MS: milliseconds.default(20_000),
  PELM_RETRIES: wholeNumber(0, 10).default(2),
  PELM_RETRY_BASE_MS: wholeNumber(0, 60_000).default(200),
  PELM_RETRY_MAX_DELAY_MS: wholeNumber(0, 600_000).default(2_000),
  PELM_RETRY_AFTER_MAX_MS: wholeNumber(0, 600_000).default(5_000),
  PELM_RETRY_BUDGET_RATIO: decimal(
    z
      .number({ error: 'must be a number from 0 to 10' })
      .min(0, 'must be a number from 0 to 10')
      .max(10, 'must be a number from 0 to 10'),
  ).default(0.2),
  PELM_BREAKER_FAILURES: wholeNumber(0, 1_000).default(5),
  PELM_BREAKER_MIN_CALLERS: wholeNumber(1, 1_000).default(2),
  PELM_BREAKER_HALF_OPEN_MS: milliseconds.default(10_000),
  CACHE_MAX_ENTRIES: wholeNumber(0, 10_000_000).default(50_000),
  CACHE_MAX_BYTES: wholeNumber(1_048_576, 17_179_869_184).default(67_108_864),
  CACHE_ACCOUNTS_TTL_MS: wholeNumber(0, 604_800_000).default(600_000),
  CACHE_BILLS_TTL_MS: wholeNumber(0, 604_800_000).default(1_800_000),
  CACHE_RECENT_INTERVALS_TTL_MS: wholeNumber(0, 604_800_000).default(300_000),
  CACHE_CLOSED_INTERVALS_TTL_MS: wholeNumber(0, 604_800_000).default(21_600_000),
  CACHE_USER_TTL_MS: wholeNumber(0, 604_800_000).default(300_000),
  CACHE_INTERVALS_CLOSED_AFTER_MS: wholeNumber(0, 31_536_000_000).default(172_800_000),
  // Pelm's "still syncing" must not stick: seconds at most.
  CACHE_NOT_READY_TTL_MS: wholeNumber(0, 60_000).default(5_000),
  CACHE_STALE_WHILE_REVALIDATE_MS: wholeNumber(0, 86_400_000).default(60_000),
  CACHE_STALE_IF_ERROR_MS: wholeNumber(0, 604_800_000).default(3_600_000),
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
const SECRET_VARIABLES = new Set(['PELM_SECRET', 'TOKEN_HASH_SECRET', 'REDIS_URL']);

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
  // An empty value means unset, as for `PORT= npm start`: the default applies, never a 0.
  const given = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = environmentSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const received = environment[name];
      const shown =
        SECRET_VARIABLES.has(name) || received === undefined
          ? ''
          : ` (got "${withoutUrlSecrets(received)}")`;

      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }

  const env = result.data;
  const conflicts = crossCheck(env);
  if (conflicts.length > 0) {
    throw new ConfigError(conflicts);
  }

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
    redisUrl: env.REDIS_URL,
    syncPollMinMs: env.SYNC_POLL_MIN_MS,
    syncPollMaxMs: env.SYNC_POLL_MAX_MS,
    syncPollJitter: env.SYNC_POLL_JITTER,
    syncReadyLimitMs: env.SYNC_READY_LIMIT_MS,
    syncLockTtlMs: env.SYNC_LOCK_TTL_MS,
    graphqlMaxDepth: env.GRAPHQL_MAX_DEPTH,
    graphqlMaxAliases: env.GRAPHQL_MAX_ALIASES,
    graphqlMaxTokens: env.GRAPHQL_MAX_TOKENS,
    graphqlMaxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
    graphqlMaxCost: env.GRAPHQL_MAX_COST,
    graphqlMaxUpstreamCalls: env.GRAPHQL_MAX_UPSTREAM_CALLS,
    graphqlMaxBodyBytes: env.GRAPHQL_MAX_BODY_BYTES,
    graphqlBatchLimit: env.GRAPHQL_BATCH_LIMIT,
    rateLimitRequests: env.RATE_LIMIT_REQUESTS,
    rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
    corsOrigins: env.CORS_ORIGINS,
    graphqlIntrospection: env.GRAPHQL_INTROSPECTION ?? env.NODE_ENV !== 'production',
    graphiql: env.GRAPHIQL ?? env.NODE_ENV !== 'production',
    requestDeadlineMs: env.REQUEST_DEADLINE_MS,
    pelmRetry: {
      retries: env.PELM_RETRIES,
      baseDelayMs: env.PELM_RETRY_BASE_MS,
      maxDelayMs: env.PELM_RETRY_MAX_DELAY_MS,
      maxRetryAfterMs: env.PELM_RETRY_AFTER_MAX_MS,
      budgetRatio: env.PELM_RETRY_BUDGET_RATIO,
    },
    pelmBreaker: {
      failureThreshold: env.PELM_BREAKER_FAILURES,
      minCallers: env.PELM_BREAKER_MIN_CALLERS,
      halfOpenAfterMs: env.PELM_BREAKER_HALF_OPEN_MS,
    },
    cache: {
      maxEntries: env.CACHE_MAX_ENTRIES,
      maxBytes: env.CACHE_MAX_BYTES,
      accountsTtlMs: env.CACHE_ACCOUNTS_TTL_MS,
      billsTtlMs: env.CACHE_BILLS_TTL_MS,
      recentIntervalsTtlMs: env.CACHE_RECENT_INTERVALS_TTL_MS,
      closedIntervalsTtlMs: env.CACHE_CLOSED_INTERVALS_TTL_MS,
      userTtlMs: env.CACHE_USER_TTL_MS,
      intervalsClosedAfterMs: env.CACHE_INTERVALS_CLOSED_AFTER_MS,
      notReadyTtlMs: env.CACHE_NOT_READY_TTL_MS,
      staleWhileRevalidateMs: env.CACHE_STALE_WHILE_REVALIDATE_MS,
      staleIfErrorMs: env.CACHE_STALE_IF_ERROR_MS,
    },
    logLevel: env.LOG_LEVEL,
    nodeEnv: env.NODE_ENV,
  };
}

/** Rules between variables, reported in the same sentence shape as single-variable ones. */
function crossCheck(env: z.infer<typeof environmentSchema>): string[] {
  const problems: string[] = [];
  if (env.REDIS_URL !== undefined && env.TOKEN_HASH_SECRET === undefined) {
    // Lock and topic names are keyed hashes of tokens: instances with different secrets would
    // never meet on the same names and each would run its own poll loop.
    problems.push(
      'TOKEN_HASH_SECRET must be set when REDIS_URL is set (the same value on every instance)',
    );
  }

  if (env.SYNC_POLL_MAX_MS < env.SYNC_POLL_MIN_MS) {
    const got = `${env.SYNC_POLL_MAX_MS} < ${env.SYNC_POLL_MIN_MS}`;
    problems.push(`SYNC_POLL_MAX_MS must be at least SYNC_POLL_MIN_MS (got ${got})`);
  }

  return problems;
}

/** A URL's user, password and query are secrets too (`redis://:password@host`, `?api_key=`). */
function withoutUrlSecrets(value: string): string {
  return value.replace(/\/\/[^/@]*@/, '//[redacted]@').replace(/\?.*$/, '?[redacted]');
}
