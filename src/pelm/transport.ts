import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

import type { Logger } from '../logger.js';
import {
  ERROR_BODY_LIMIT_BYTES,
  firstHeader,
  parseJson,
  readBounded,
  shapeProblems,
  type ResponseBody,
} from './body.js';
import { CallDeadline, failureOf } from './call-deadline.js';
import {
  checkedInteger,
  clientHeaders,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CONNECTIONS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  parseBaseUrl,
  type PelmCallEvent,
  type PelmClientOptions,
} from './client-options.js';
import { errorFromInvalidBody, errorFromResponse, PelmError } from './errors.js';
import { parseErrorBody } from './payloads.js';
import { queryString, type PelmRequest, type PelmResponse } from './request.js';

const OPTION_OWNER = 'PelmClient';

type IntegerOption =
  | 'connectTimeoutMs'
  | 'headersTimeoutMs'
  | 'bodyTimeoutMs'
  | 'requestTimeoutMs'
  | 'connections'
  | 'maxBodyBytes';

/**
 * One HTTP request to Pelm over a keep-alive pool, settled exactly once: a decoded result, a
 * `PelmError`, or the caller's abort reason. It never retries; the client decides that.
 */
export class PelmTransport {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #clientHeaders: Record<string, string>;
  readonly #requestTimeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #logger: Logger;
  readonly #onCall: ((event: PelmCallEvent) => void) | undefined;

  constructor(options: PelmClientOptions, logger: Logger) {
    const url = parseBaseUrl(options.baseUrl);
    const integer = (name: IntegerOption, fallback: number) =>
      checkedInteger(OPTION_OWNER, name, options[name], fallback);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#clientHeaders = clientHeaders(options);
    this.#requestTimeoutMs = integer('requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS);
    this.#maxBodyBytes = integer('maxBodyBytes', DEFAULT_MAX_BODY_BYTES);
    this.#logger = logger;
    this.#onCall = options.onCall;
    this.#pool = new Pool(url.origin, {
      connections: integer('connections', DEFAULT_CONNECTIONS),
      connect: { timeout: integer('connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS) },
      headersTimeout: integer('headersTimeoutMs', DEFAULT_HEADERS_TIMEOUT_MS),
      bodyTimeout: integer('bodyTimeoutMs', DEFAULT_BODY_TIMEOUT_MS),
    });
  }

  /**
   * Sends the request once. The response body is always read to the end or destroyed, so the
   * pool never holds a connection for a body nobody reads.
   */
  async send<TResult>(request: PelmRequest<TResult>, attempt: number): Promise<TResult> {
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
      this.#settle(request, { startedMs, status, attempt, failure: undefined });

      return result;
    } catch (error) {
      const failure = failureOf(request, error, deadline);
      this.#settle(request, { startedMs, status, attempt, failure });
      throw failure;
    } finally {
      deadline.dispose();
      if (body !== undefined && !body.readableEnded) {
        body.destroy();
      }
    }
  }

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

  #settle(
    request: PelmRequest<unknown>,
    outcome: { startedMs: number; status: number | null; attempt: number; failure: unknown },
  ): void {
    const event: PelmCallEvent = {
      operation: request.operation,
      method: request.method,
      path: request.path,
      status: outcome.status,
      durationMs: Math.round((performance.now() - outcome.startedMs) * 1_000) / 1_000,
      attempt: outcome.attempt,
    };
    const { failure } = outcome;
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
