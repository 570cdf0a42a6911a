import { PelmError } from './errors.js';
import { HEADER_VALUE_PATTERN } from './client-options.js';
import type { IntervalsQuery, PelmCallOptions } from './source.js';

/** What reached us for a 2xx answer; `decode` turns it into the result. */
export interface PelmResponse {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: Buffer;
}

/**
 * One upstream call, fully described. Every client method builds one and hands it to
 * `execute`, so the retry and breaker layers see everything they need.
 */
export interface PelmRequest<TResult> {
  /** Stable name for logs, metrics and the circuit breaker, e.g. `getAccounts`. */
  operation: string;
  /** The call in words, for error messages: "list accounts". */
  description: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with segments already encoded, without query string or base prefix. */
  path: string;
  query?: URLSearchParams | undefined;
  form?: URLSearchParams | undefined;
  /** Bearer token for data calls; never set on `/auth/*`. */
  token?: string | undefined;
  accept: 'application/json' | 'application/pdf';
  /** Whether repeating the call after a failure is harmless. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  decode: (response: PelmResponse) => TResult;
}

/** Fields every Bearer-authenticated GET shares. */
export function dataCall(call: PelmCallOptions, operation: string, description: string) {
  if (!HEADER_VALUE_PATTERN.test(call.token)) {
    // Checked here so a malformed token never reaches undici, whose header errors may echo it.
    throw new PelmError('UNAUTHENTICATED', 'The Pelm access token is missing or malformed.');
  }

  return {
    operation,
    description,
    method: 'GET' as const,
    token: call.token,
    accept: 'application/json' as const,
    idempotent: true,
    signal: call.signal,
  };
}

export function intervalParams(query: IntervalsQuery): URLSearchParams {
  const params = new URLSearchParams();
  // With a meter id Pelm needs nothing else; sending both forms could conflict.
  if (query.meterId !== undefined) {
    params.set('meter_id', requireId('meterId', query.meterId));
  } else {
    params.set('account_id', requireId('accountId', query.accountId));
    if (query.type !== 'ELECTRIC' && query.type !== 'GAS') {
      throw new PelmError('BAD_USER_INPUT', 'The meter type must be ELECTRIC or GAS.');
    }

    params.set('type', query.type);
  }

  if (query.startDate !== undefined) {
    params.set('start_date', epochParam('startDate', query.startDate));
  }

  if (query.endDate !== undefined) {
    params.set('end_date', epochParam('endDate', query.endDate));
  }

  return params;
}

/** Whole epoch seconds in plain digits: `String` of a safe integer never uses an exponent. */
function epochParam(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PelmError('BAD_USER_INPUT', `${name} must be whole epoch seconds, at least 0.`);
  }

  return String(value);
}

export function requireId(name: string, value: string): string {
  if (value.length === 0) {
    throw new PelmError('BAD_USER_INPUT', `${name} must not be empty.`);
  }

  return value;
}

/** Encodes one path segment; `.` and `..` are spelt out so no server resolves them. */
export function pathSegment(name: string, value: string): string {
  const encoded = encodeURIComponent(requireId(name, value));

  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

export function queryString(query: URLSearchParams | undefined): string {
  const text = query?.toString() ?? '';

  return text === '' ? '' : `?${text}`;
}
