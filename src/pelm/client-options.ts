import type { Logger } from '../logger.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { PelmErrorCode } from './errors.js';
import type { RetryOptions } from './retry.js';

/** A TCP (and TLS) connection that takes longer than this fails with `UPSTREAM_TIMEOUT`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Longest wait for the status line and headers once the request is sent. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Longest silence between two chunks of a body (undici's `bodyTimeout` is an idle timer). */
export const DEFAULT_BODY_TIMEOUT_MS = 15_000;
/** Whole-call ceiling, so a body that trickles in just under the idle timer still ends. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Keep-alive connections per Pelm origin. */
export const DEFAULT_CONNECTIONS = 32;
/** A year of 15-minute intervals is about 3 MB of JSON; anything near this is not Pelm data. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface PelmCallEvent {
  /** Stable name of the call: the client method, e.g. `getAccounts`. */
  operation: string;
  method: string;
  /** Request path without the query string. */
  path: string;
  /** HTTP status, or `null` when no answer arrived. */
  status: number | null;
  durationMs: number;
  /** 1 for the first request of a call, 2 for its first retry, and so on. */
  attempt: number;
  /** The `PelmError` code of a failed call, or `ABORTED` when the caller's signal ended it. */
  errorCode?: PelmErrorCode | 'ABORTED';
}

export interface PelmClientOptions {
  /** Pelm origin, e.g. `https://api.pelm.com`; a path prefix is kept in front of every path. */
  baseUrl: string;
  /** Sent as `Pelm-Client-Id` when set and not empty. */
  clientId?: string | undefined;
  /** Sent as `Pelm-Secret` when set and not empty. */
  secret?: string | undefined;
  /** @default DEFAULT_CONNECT_TIMEOUT_MS (5 000 ms) */
  connectTimeoutMs?: number | undefined;
  /** @default DEFAULT_HEADERS_TIMEOUT_MS (10 000 ms) */
  headersTimeoutMs?: number | undefined;
  /** Idle time allowed between body chunks. @default DEFAULT_BODY_TIMEOUT_MS (15 000 ms) */
  bodyTimeoutMs?: number | undefined;
  /** Ceiling on one whole request, body included. @default DEFAULT_REQUEST_TIMEOUT_MS (30 000 ms) */
  requestTimeoutMs?: number | undefined;
  /** Connection pool size for the Pelm origin. @default DEFAULT_CONNECTIONS (32) */
  connections?: number | undefined;
  /** Largest 2xx body accepted, in bytes. @default DEFAULT_MAX_BODY_BYTES (32 MiB) */
  maxBodyBytes?: number | undefined;
  /**
   * Retries of idempotent calls after network faults, 429 and real 5xx; `false` sends every call
   * once. @default the `RetryOptions` defaults (2 retries)
   */
  retry?: RetryOptions | false | undefined;
  /**
   * One circuit breaker per operation; `false` turns them off.
   * @default the `CircuitBreakerOptions` defaults (opens after 5 faults in a row)
   */
  breaker?: CircuitBreakerOptions | false | undefined;
  /** @default a silent logger */
  logger?: Logger | undefined;
  /** Called once per upstream request after it settles (metrics, tests). Must not throw. */
  onCall?: ((event: PelmCallEvent) => void) | undefined;
}

/** Visible ASCII only: anything else cannot be a header value and hints at a mix-up. */
export const HEADER_VALUE_PATTERN = /^[\x21-\x7e]+$/;

export function parseBaseUrl(baseUrl: string): URL {
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    // A URL with user info may carry a password; it stays out of the message.
    const received = url?.password ? 'a URL with credentials' : JSON.stringify(baseUrl);
    throw new TypeError(
      `PelmClient option baseUrl must be an http(s) URL without query, hash or user info; received ${received}.`,
    );
  }

  return url;
}

export function clientHeaders(options: PelmClientOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [option, header] of [
    ['clientId', 'Pelm-Client-Id'],
    ['secret', 'Pelm-Secret'],
  ] as const) {
    const value = options[option];
    if (value === undefined || value === '') {
      continue;
    }

    if (!HEADER_VALUE_PATTERN.test(value)) {
      // The value itself stays out of the message: it may be the secret.
      throw new TypeError(
        `PelmClient option ${option} must be visible ASCII without spaces; check the configured value.`,
      );
    }

    headers[header] = value;
  }

  return headers;
}

/** Reads an optional whole-number option, failing at construction with the option's name. */
export function checkedInteger(
  owner: string,
  name: string,
  value: number | undefined,
  fallback: number,
  minimum = 1,
): number {
  if (value === undefined) {
    return fallback;
  }

  if (!Number.isSafeInteger(value) || value < minimum) {
    const rule = minimum === 1 ? 'a positive integer' : `an integer of at least ${minimum}`;
    throw new RangeError(`${owner} option ${name} must be ${rule}; received ${value}.`);
  }

  return value;
}
