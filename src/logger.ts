import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths pino replaces with `[redacted]` wherever they appear in a log line. Tokens, client
 * secrets and upstream bodies must never reach a log: Pelm access tokens never expire, and an
 * upstream body may hold a household's address or account numbers. Callers still never log
 * those values on purpose; this is the net under them.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'accessToken',
  'access_token',
  'secret',
  'body',
  'variables',
  'headers.authorization',
  'headers.Authorization',
  'headers["pelm-secret"]',
  'headers["Pelm-Secret"]',
  'headers.cookie',
  '*.authorization',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.secret',
  '*.body',
  '*.variables',
  '*.headers.authorization',
  '*.headers["pelm-secret"]',
  '*.headers.cookie',
];

export interface CreateLoggerOptions {
  level: LogLevel;
  /** Where lines go; standard output by default. Tests pass a stream to capture them. */
  destination?: DestinationStream;
}

/**
 * The one logger of a process: JSON lines, with the redaction above. Create it once at start
 * and pass it (or a child) to whatever needs to log.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const settings: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'pelm-graphql' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };

  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/** A logger that writes nothing, for tests and library use. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
