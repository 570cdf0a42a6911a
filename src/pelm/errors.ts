/**
 * Every way a Pelm call can fail, mapped to exactly one gateway error code. This module is the
 * single table from upstream outcomes (HTTP status + `error_code`, network faults, bodies that do
 * not fit) to codes; `src/errors.ts` turns a `PelmError` into a client-visible GraphQL error.
 */

/** The stable codes a client sees in `extensions.code` for upstream outcomes. */
export type PelmErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'DATA_UNAVAILABLE'
  | 'QUOTA_EXCEEDED'
  | 'BAD_USER_INPUT'
  | 'FEATURE_UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_ERROR';

/**
 * Seconds a client should wait before asking again for data that is still syncing. Pelm says
 * data usually arrives within minutes; 15 s is the first step of a polite poll.
 */
export const DATA_UNAVAILABLE_RETRY_AFTER_SECONDS = 15;

export interface PelmErrorOptions {
  /** HTTP status Pelm answered with, when there was an answer. */
  status?: number | undefined;
  /** Pelm's own `error_code`, when the body carried one. */
  upstreamCode?: string | undefined;
  /** Seconds to wait before retrying, from `Retry-After` or our own hint. */
  retryAfterSeconds?: number | undefined;
  /** Whether sending the same idempotent call again may succeed. @default false */
  transient?: boolean | undefined;
  /** Whether the outcome says the endpoint is unhealthy (circuit breaker input). @default false */
  upstreamFault?: boolean | undefined;
  cause?: unknown;
}

/**
 * A failed Pelm call. The message is ours and safe to show a client: it never holds the upstream
 * body, a URL with secrets or a token. Callers branch on `code`, never on the message.
 */
export class PelmError extends Error {
  override name = 'PelmError';
  readonly code: PelmErrorCode;
  readonly status: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Network faults, 429 and real 5xx: a retry of an idempotent call may succeed. */
  readonly transient: boolean;
  /** Network faults, timeouts, real 5xx and garbage bodies; never 4xx or `data_unavailable`. */
  readonly upstreamFault: boolean;

  constructor(code: PelmErrorCode, message: string, options: PelmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.upstreamCode = options.upstreamCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.transient = options.transient ?? false;
    this.upstreamFault = options.upstreamFault ?? false;
  }
}

export function isPelmError(value: unknown): value is PelmError {
  return value instanceof PelmError;
}

/** What the gateway read of a non-2xx answer; the body itself is never kept. */
export interface PelmErrorResponse {
  status: number;
  /** `error_code` of the body, when the body was a JSON object carrying one. */
  errorCode: string | undefined;
  /** Raw `Retry-After` header value, if any. */
  retryAfter: string | undefined;
}

/**
 * Maps an upstream error answer to one `PelmError`. `operation` names the call in words
 * ("list accounts"), for a message that helps without exposing paths or bodies.
 */
export function errorFromResponse(operation: string, response: PelmErrorResponse): PelmError {
  const { status, errorCode } = response;
  const options = { status, upstreamCode: errorCode };

  if (status === 429) {
    // Throttling is a healthy answer: worth a polite retry, never a reason to open the breaker.
    return new PelmError('RATE_LIMITED', `Pelm is rate limiting requests to ${operation}.`, {
      ...options,
      retryAfterSeconds: parseRetryAfter(response.retryAfter),
      transient: true,
    });
  }

  switch (errorCode) {
    case 'token_invalid':
      return new PelmError('UNAUTHENTICATED', 'The Pelm access token was rejected.', options);
    case 'credentials_invalid':
      // The gateway's own client keys: the caller can do nothing about it, the operator can.
      return new PelmError(
        'UPSTREAM_ERROR',
        `Pelm refused the gateway's client credentials for ${operation}.`,
        options,
      );
    case 'permission_denied':
      return new PelmError('FORBIDDEN', `This token may not ${operation} for that resource.`, {
        ...options,
      });
    case 'data_unavailable':
      return new PelmError(
        'DATA_UNAVAILABLE',
        'Pelm is still loading this data from the utility; ask again shortly.',
        {
          ...options,
          retryAfterSeconds:
            parseRetryAfter(response.retryAfter) ?? DATA_UNAVAILABLE_RETRY_AFTER_SECONDS,
        },
      );
    case 'quota_reached':
      return new PelmError('QUOTA_EXCEEDED', "The gateway's Pelm call quota is used up.", options);
    case 'parameter_missing':
    case 'parameter_invalid':
      return new PelmError('BAD_USER_INPUT', `Pelm rejected the arguments to ${operation}.`, {
        ...options,
      });
    case 'feature_unavailable':
    case 'utility_unavailable':
      return new PelmError(
        'FEATURE_UNAVAILABLE',
        `Pelm cannot ${operation} for this utility or account.`,
        options,
      );
    default:
      break;
  }

  if (status === 401) {
    return new PelmError('UNAUTHENTICATED', 'The Pelm access token was rejected.', options);
  }

  if (status === 403) {
    return new PelmError('FORBIDDEN', `This token may not ${operation} for that resource.`, {
      ...options,
    });
  }

  if (status === 402) {
    return new PelmError('QUOTA_EXCEEDED', "The gateway's Pelm call quota is used up.", options);
  }

  // Real server faults; `data_unavailable` (also a 500) returned above and is neither.
  const serverFault = status >= 500 ? { transient: true, upstreamFault: true } : {};
  if (status === 504 || status === 408) {
    return new PelmError('UPSTREAM_TIMEOUT', `Pelm timed out on ${operation}.`, {
      ...options,
      ...serverFault,
    });
  }

  return new PelmError('UPSTREAM_ERROR', `Pelm failed to ${operation} (HTTP ${status}).`, {
    ...options,
    ...serverFault,
  });
}

/** undici error codes that mean a deadline passed. */
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Maps a thrown network or client error (no HTTP answer, or a broken one) to a `PelmError`. */
export function errorFromNetwork(operation: string, error: unknown): PelmError {
  if (error instanceof PelmError) {
    return error;
  }

  const code = errorCodeOf(error);
  if (
    (code !== undefined && TIMEOUT_CODES.has(code)) ||
    (error instanceof Error && error.name === 'TimeoutError')
  ) {
    return new PelmError('UPSTREAM_TIMEOUT', `Pelm did not answer ${operation} in time.`, {
      cause: error,
      transient: true,
      upstreamFault: true,
    });
  }

  return new PelmError('UPSTREAM_ERROR', `Could not reach Pelm to ${operation}.`, {
    cause: error,
    transient: true,
    upstreamFault: true,
  });
}

/** A 2xx answer whose body is not the documented shape. */
export function errorFromInvalidBody(operation: string, cause: unknown): PelmError {
  // Not transient: the same request tends to get the same garbage back; but a fault all the same.
  return new PelmError('UPSTREAM_ERROR', `Pelm answered ${operation} with an unexpected body.`, {
    cause,
    upstreamFault: true,
  });
}

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };

    return typeof code === 'string' ? code : undefined;
  }

  return undefined;
}

/** The three forms RFC 9110 allows for an HTTP date. */
const HTTP_DATE_FORMS = [
  /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/, // IMF-fixdate
  /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/, // RFC 850
  /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/, // asctime
];

/**
 * `Retry-After` is either delta-seconds or an HTTP date. Returns whole seconds from now
 * (never negative), or `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined;
  }

  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }

  // Date.parse alone reads "-5" or "5 5" as dates; only the HTTP-date forms count.
  const dateMs = HTTP_DATE_FORMS.some((form) => form.test(trimmed))
    ? Date.parse(trimmed)
    : Number.NaN;
  if (Number.isNaN(dateMs)) {
    return undefined;
  }

  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}
