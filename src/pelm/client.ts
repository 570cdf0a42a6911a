import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { ZodError } from 'zod';
import { createSilentLogger, type Logger } from '../logger.js';
import {
  errorFromInvalidBody,
  errorFromNetwork,
  errorFromResponse,
  PelmError,
  type PelmErrorCode,
} from './errors.js';
import {
  IntervalShapeError,
  parseAccessToken,
  parseAccounts,
  parseBillGroups,
  parseConnectToken,
  parseErrorBody,
  parseIntervals,
  parseUser,
} from './payloads.js';
import type {
  EpochSeconds,
  MeterType,
  PelmAccessToken,
  PelmAccount,
  PelmBillGroups,
  PelmBillPdf,
  PelmConnectToken,
  PelmIntervals,
  PelmUser,
} from './types.js';

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
/** Only the `error_code` of an error body matters, and it sits in the first few bytes. */
export const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

export interface PelmCallEvent {
  /** Stable name of the call: the client method, e.g. `getAccounts`. */
  operation: string;
  method: string;
  /** Request path without the query string. */
  path: string;
  /** HTTP status, or `null` when no answer arrived. */
  status: number | null;
  durationMs: number;
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
  /** Ceiling on one whole call, body included. @default DEFAULT_REQUEST_TIMEOUT_MS (30 000 ms) */
  requestTimeoutMs?: number | undefined;
  /** Connection pool size for the Pelm origin. @default DEFAULT_CONNECTIONS (32) */
  connections?: number | undefined;
  /** Largest 2xx body accepted, in bytes. @default DEFAULT_MAX_BODY_BYTES (32 MiB) */
  maxBodyBytes?: number | undefined;
  /** @default a silent logger */
  logger?: Logger | undefined;
  /** Called once per upstream request after it settles (metrics, tests). Must not throw. */
  onCall?: ((event: PelmCallEvent) => void) | undefined;
}

export interface PelmCallOptions {
  /** The caller's Pelm access token, sent as `Authorization: Bearer`. */
  token: string;
  /** Aborting it rejects the call with the signal's own `reason` (not a `PelmError`). */
  signal?: AbortSignal | undefined;
}

export type PelmIntervalsQuery = (
  | { accountId: string; type: MeterType; meterId?: undefined }
  | { meterId: string; accountId?: undefined; type?: undefined }
) & { startDate?: EpochSeconds | undefined; endDate?: EpochSeconds | undefined };

/** What reached us for a 2xx answer; `decode` turns it into the result. */
export interface PelmResponse {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: Buffer;
}

/**
 * One upstream call, fully described. Every client method builds one and hands it to
 * `execute`, so a retry or cache layer can wrap `execute` and see everything it needs.
 */
export interface PelmRequest<TResult> {
  /** Stable name for logs and metrics, e.g. `getAccounts`. */
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

type ResponseBody = Dispatcher.ResponseData['body'];

/** Visible ASCII only: anything else cannot be a header value and hints at a mix-up. */
const HEADER_VALUE_PATTERN = /^[\x21-\x7e]+$/;

/**
 * The Pelm REST client: one keep-alive pool per client, no retries and no caching (layers above
 * add those around `execute`). Every failure is a `PelmError` whose message is ours, except an
 * abort by the caller's signal, which rejects with that signal's `reason`.
 */
export class PelmClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #clientHeaders: Record<string, string>;
  readonly #requestTimeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #logger: Logger;
  readonly #onCall: ((event: PelmCallEvent) => void) | undefined;

  constructor(options: PelmClientOptions) {
    const url = parseBaseUrl(options.baseUrl);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#clientHeaders = clientHeaders(options);
    this.#requestTimeoutMs = positiveInteger(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
    );
    this.#maxBodyBytes = positiveInteger(
      'maxBodyBytes',
      options.maxBodyBytes,
      DEFAULT_MAX_BODY_BYTES,
    );
    this.#logger = options.logger ?? createSilentLogger();
    this.#onCall = options.onCall;
    this.#pool = new Pool(url.origin, {
      connections: positiveInteger('connections', options.connections, DEFAULT_CONNECTIONS),
      connect: {
        timeout: positiveInteger(
          'connectTimeoutMs',
          options.connectTimeoutMs,
          DEFAULT_CONNECT_TIMEOUT_MS,
        ),
      },
      headersTimeout: positiveInteger(
        'headersTimeoutMs',
        options.headersTimeoutMs,
        DEFAULT_HEADERS_TIMEOUT_MS,
      ),
      bodyTimeout: positiveInteger('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS),
    });
  }

  /** `GET /accounts`. */
  async getAccounts(call: PelmCallOptions): Promise<PelmAccount[]> {
    return this.execute({
      ...dataCall(call, 'getAccounts', 'list accounts'),
      path: '/accounts',
      decode: jsonDecoder('list accounts', parseAccounts),
    });
  }

  /**
   * `GET /bills`, for every account of the user or one. A group that does not fit holds a
   * `PelmError` (`UPSTREAM_ERROR`) in place of its bills; the other groups are unaffected.
   */
  async getBills(
    call: PelmCallOptions,
    query: { accountId?: string | undefined } = {},
  ): Promise<PelmBillGroups> {
    const params = new URLSearchParams();
    if (query.accountId !== undefined) {
      params.set('account_id', requireId('accountId', query.accountId));
    }

    const description = 'list bills';

    return this.execute({
      ...dataCall(call, 'getBills', description),
      path: '/bills',
      query: params,
      decode: jsonDecoder(description, (body) => this.#billGroups(description, body)),
    });
  }

  /** `GET /intervals` for an account and meter type, or for one meter. */
  async getIntervals(call: PelmCallOptions, query: PelmIntervalsQuery): Promise<PelmIntervals> {
    const description = 'read usage intervals';

    return this.execute({
      ...dataCall(call, 'getIntervals', description),
      path: '/intervals',
      query: intervalParams(query),
      decode: jsonDecoder(description, parseIntervals),
    });
  }

  /** `GET /users/{user_id}`, where `userId` is the id given when minting the connect token. */
  async getUser(call: PelmCallOptions, userId: string): Promise<PelmUser> {
    return this.execute({
      ...dataCall(call, 'getUser', 'read the user'),
      path: `/users/${pathSegment('userId', userId)}`,
      decode: jsonDecoder('read the user', parseUser),
    });
  }

  /** `DELETE /users/{user_id}`; any 2xx (200 or 204) counts as done, whatever the body. */
  async deleteUser(call: PelmCallOptions, userId: string): Promise<void> {
    await this.execute({
      ...dataCall(call, 'deleteUser', 'delete the user'),
      method: 'DELETE',
      path: `/users/${pathSegment('userId', userId)}`,
      // Pelm's idempotency for this call is not documented; a repeat could report a failure.
      idempotent: false,
      decode: () => undefined,
    });
  }

  /** `GET /bills/{bill_id}/pdf`. */
  async getBillPdf(call: PelmCallOptions, billId: string): Promise<PelmBillPdf> {
    const description = 'download the bill PDF';

    return this.execute({
      ...dataCall(call, 'getBillPdf', description),
      path: `/bills/${pathSegment('billId', billId)}/pdf`,
      accept: 'application/pdf',
      decode: (response) => decodePdf(description, response),
    });
  }

  /** `POST /auth/connect-token`, with the gateway's client credentials only. */
  async createConnectToken(
    input: { userId: string; utilitySlug?: string | undefined; utilityId?: string | undefined },
    signal?: AbortSignal,
  ): Promise<PelmConnectToken> {
    const form = new URLSearchParams({ user_id: requireId('userId', input.userId) });
    if (input.utilitySlug !== undefined) {
      form.set('utility_slug', input.utilitySlug);
    }

    if (input.utilityId !== undefined) {
      form.set('utility_id', input.utilityId);
    }

    const description = 'create a connect token';

    return this.execute({
      operation: 'createConnectToken',
      description,
      method: 'POST',
      path: '/auth/connect-token',
      form,
      accept: 'application/json',
      // Each call mints a fresh token; repeating one only leaves an unused token behind.
      idempotent: true,
      signal,
      decode: jsonDecoder(description, parseConnectToken),
    });
  }

  /** `POST /auth/token`: trades a Connect authorization code for a never-expiring access token. */
  async exchangeAuthorizationCode(code: string, signal?: AbortSignal): Promise<PelmAccessToken> {
    const description = 'exchange the authorization code';

    return this.execute({
      operation: 'exchangeAuthorizationCode',
      description,
      method: 'POST',
      path: '/auth/token',
      form: new URLSearchParams({ code: requireId('code', code) }),
      accept: 'application/json',
      // The code is presumably single-use: a blind repeat after a timeout could burn it.
      idempotent: false,
      signal,
      decode: jsonDecoder(description, parseAccessToken),
    });
  }

  /**
   * Sends one request and settles it: a decoded result, a `PelmError`, or the caller's abort
   * reason. The response body is always read to the end or destroyed, so the pool never holds a
   * connection for a body nobody reads.
   */
  async execute<TResult>(request: PelmRequest<TResult>): Promise<TResult> {
    request.signal?.throwIfAborted();
    const startedMs = performance.now();
    const deadline = new CallDeadline(this.#requestTimeoutMs, request.signal);
    let status: number | null = null;
    let body: ResponseBody | undefined;
    try {
      const response = await this.#pool.request({
        method: request.method,
        path: this.#prefix + request.path + queryString(request.query),
        headers: this.#headers(request),
        body: request.form?.toString() ?? null,
        signal: deadline.signal,
      });
      status = response.statusCode;
      body = response.body;
      const retryAfter = firstHeader(response.headers['retry-after']);
      const contentLength = Number(firstHeader(response.headers['content-length']) ?? Number.NaN);
      if (status < 200 || status > 299) {
        throw await this.#errorAnswer(request, { status, retryAfter, body, contentLength });
      }

      const bytes = await readBounded(body, this.#maxBodyBytes, contentLength);
      if (bytes === undefined) {
        throw errorFromInvalidBody(request.description, new RangeError('The body is too large.'));
      }

      const contentType = firstHeader(response.headers['content-type']);
      const result = this.#decode(request, { status, contentType, retryAfter, body: bytes });
      this.#settle(request, startedMs, status, undefined);

      return result;
    } catch (error) {
      const failure = failureOf(request, error, deadline);
      this.#settle(request, startedMs, status, failure);
      throw failure;
    } finally {
      deadline.dispose();
      if (body !== undefined && !body.readableEnded) {
        body.destroy();
      }
    }
  }

  /** Closes the pool once in-flight calls have finished. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  #headers(request: PelmRequest<unknown>): Record<string, string> {
    const headers: Record<string, string> = { accept: request.accept, ...this.#clientHeaders };
    if (request.token !== undefined) {
      headers.authorization = `Bearer ${request.token}`;
    }

    if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }

    return headers;
  }

  async #errorAnswer(
    request: PelmRequest<unknown>,
    answer: {
      status: number;
      retryAfter: string | undefined;
      body: ResponseBody;
      contentLength: number;
    },
  ): Promise<PelmError> {
    let errorCode: string | undefined;
    try {
      const bytes = await readBounded(answer.body, ERROR_BODY_LIMIT_BYTES, answer.contentLength);
      errorCode = bytes === undefined ? undefined : parseErrorBody(parseJson(bytes));
    } catch (error) {
      if (request.signal?.aborted === true) {
        throw error;
      }
      // A broken error body adds nothing: the status alone still says what happened.
    }

    return errorFromResponse(request.description, {
      status: answer.status,
      errorCode,
      retryAfter: answer.retryAfter,
    });
  }

  #decode<TResult>(request: PelmRequest<TResult>, response: PelmResponse): TResult {
    try {
      return request.decode(response);
    } catch (error) {
      if (error instanceof PelmError) {
        throw error;
      }

      this.#logger.warn(
        { operation: request.operation, path: request.path, problems: shapeProblems(error) },
        'Pelm answered with a body that does not fit the documented shape',
      );
      throw errorFromInvalidBody(request.description, error);
    }
  }

  #billGroups(description: string, body: unknown): PelmBillGroups {
    const groups = parseBillGroups(body);
    for (const [accountId, bills] of groups) {
      if (bills instanceof Error) {
        this.#logger.warn(
          { operation: 'getBills', accountId, problems: shapeProblems(bills) },
          'Pelm sent a bill group that does not fit the documented shape',
        );
        groups.set(accountId, errorFromInvalidBody(description, bills));
      }
    }

    return groups;
  }

  #settle(
    request: PelmRequest<unknown>,
    startedMs: number,
    status: number | null,
    failure: unknown,
  ): void {
    const event: PelmCallEvent = {
      operation: request.operation,
      method: request.method,
      path: request.path,
      status,
      durationMs: Math.round((performance.now() - startedMs) * 1_000) / 1_000,
    };
    if (failure !== undefined) {
      event.errorCode = failure instanceof PelmError ? failure.code : 'ABORTED';
    }

    if (failure instanceof PelmError && failure.upstreamCode === 'credentials_invalid') {
      this.#logger.error(event, 'Pelm rejected the gateway client credentials');
    } else {
      this.#logger.debug(event, 'Pelm call settled');
    }

    try {
      this.#onCall?.(event);
    } catch (error) {
      // A metrics hook must not turn a settled call into a different outcome.
      this.#logger.warn({ err: error }, 'The onCall hook of the Pelm client threw');
    }
  }
}

/** Fields every Bearer-authenticated GET shares. */
function dataCall(call: PelmCallOptions, operation: string, description: string) {
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

function jsonDecoder<TResult>(
  description: string,
  parse: (body: unknown) => TResult,
): (response: PelmResponse) => TResult {
  return (response) => {
    const body = parseJson(response.body);
    try {
      return parse(body);
    } catch (error) {
      // Pelm has been seen answering 200 with an error object; honour its error_code.
      const errorCode = parseErrorBody(body);
      if (errorCode !== undefined) {
        throw errorFromResponse(description, {
          status: response.status,
          errorCode,
          retryAfter: response.retryAfter,
        });
      }

      throw error;
    }
  };
}

function decodePdf(description: string, response: PelmResponse): PelmBillPdf {
  const contentType = response.contentType ?? 'application/pdf';
  if (/\bjson\b/i.test(contentType)) {
    const errorCode = parseErrorBody(parseJson(response.body));
    if (errorCode !== undefined) {
      throw errorFromResponse(description, {
        status: response.status,
        errorCode,
        retryAfter: response.retryAfter,
      });
    }

    throw new TypeError('Expected a PDF, received JSON.');
  }

  if (response.body.length === 0) {
    throw new TypeError('Expected a PDF, received an empty body.');
  }

  return { contentType, body: new Uint8Array(response.body) };
}

/** JSON.parse, minus its error message: that quotes the upstream body. */
function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SyntaxError('The body is not valid JSON.');
  }
}

/**
 * Reads a body of at most `limitBytes`. A longer one (by its declared length or by what
 * arrives) is destroyed and `undefined` returned, so an oversized body never sits in memory.
 */
async function readBounded(
  body: ResponseBody,
  limitBytes: number,
  declaredBytes: number,
): Promise<Buffer | undefined> {
  if (declaredBytes > limitBytes) {
    body.destroy();

    return undefined;
  }

  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limitBytes) {
      body.destroy();

      return undefined;
    }

    chunks.push(buffer);
  }

  return Buffer.concat(chunks, total);
}

/** Names where a body went wrong (paths and issue kinds only, never values) for the log. */
function shapeProblems(error: unknown): string[] {
  if (error instanceof ZodError) {
    return error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
  }

  if (error instanceof IntervalShapeError) {
    return [`intervals.${error.path.join('.')}`];
  }

  return [error instanceof Error ? error.name : 'unknown'];
}

/**
 * Decides what a failed call rejects with. The caller's abort wins over everything: the caller
 * asked to stop, and a `PelmError` would be reported as an upstream fault.
 */
function failureOf(request: PelmRequest<unknown>, error: unknown, deadline: CallDeadline): unknown {
  if (request.signal?.aborted === true) {
    return request.signal.reason;
  }

  if (error instanceof PelmError) {
    return error;
  }

  if (deadline.timedOut) {
    return errorFromNetwork(
      request.description,
      new DOMException('The Pelm call exceeded requestTimeoutMs.', 'TimeoutError'),
    );
  }

  return errorFromNetwork(request.description, error);
}

/**
 * The signal handed to undici: aborts when the caller's signal does or when the whole-call
 * timer runs out, and remembers which of the two happened.
 */
class CallDeadline {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;

  readonly #onCallerAbort = (): void => {
    this.#controller.abort(this.#caller?.reason);
  };

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    this.#caller = caller;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new DOMException('Pelm call timed out.', 'TimeoutError'));
    }, timeoutMs);
    this.#timer.unref();
    caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}

function intervalParams(query: PelmIntervalsQuery): URLSearchParams {
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

function requireId(name: string, value: string): string {
  if (value.length === 0) {
    throw new PelmError('BAD_USER_INPUT', `${name} must not be empty.`);
  }

  return value;
}

/** Encodes one path segment; `.` and `..` are spelt out so no server resolves them. */
function pathSegment(name: string, value: string): string {
  const encoded = encodeURIComponent(requireId(name, value));

  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

function queryString(query: URLSearchParams | undefined): string {
  const text = query?.toString() ?? '';

  return text === '' ? '' : `?${text}`;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseBaseUrl(baseUrl: string): URL {
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

function clientHeaders(options: PelmClientOptions): Record<string, string> {
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

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }

  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(
      `PelmClient option ${name} must be a positive integer; received ${value}.`,
    );
  }

  return value;
}
