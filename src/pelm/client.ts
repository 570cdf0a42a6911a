import { createSilentLogger, type Logger } from '../logger.js';
import { decodePdf, jsonDecoder, shapeProblems } from './body.js';
import { abortableDelay } from './call-deadline.js';
import { createTokenHasher } from '../token-hash.js';
import { breakerOutcome, CircuitBreakers, type BreakerState } from './circuit-breaker.js';
import type { PelmClientOptions } from './client-options.js';
import { errorFromInvalidBody } from './errors.js';
import {
  parseAccessToken,
  parseAccounts,
  parseBillGroups,
  parseConnectToken,
  parseIntervals,
  parseUser,
} from './payloads.js';
import { RetryPolicy } from './retry.js';
import { dataCall, intervalParams, pathSegment, requireId, type PelmRequest } from './request.js';
import type { IntervalsQuery, PelmCallOptions, PelmSource } from './source.js';
import { PelmTransport } from './transport.js';
import type {
  PelmAccessToken,
  PelmAccount,
  PelmBillGroups,
  PelmBillPdf,
  PelmConnectToken,
  PelmIntervals,
  PelmUser,
} from './types.js';

export {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_CONNECTIONS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type PelmCallEvent,
  type PelmClientOptions,
} from './client-options.js';
export { ERROR_BODY_LIMIT_BYTES } from './body.js';
export type { PelmRequest, PelmResponse } from './request.js';
export type { PelmCallOptions } from './source.js';
export type PelmIntervalsQuery = IntervalsQuery;

/**
 * The Pelm REST client: typed calls over one keep-alive pool, with retries of idempotent calls
 * and one circuit breaker per endpoint. No caching (a `PelmSource` decorator adds that). Every
 * failure is a `PelmError` whose message is ours, except an abort by the caller's signal, which
 * rejects with that signal's `reason`.
 */
export class PelmClient implements PelmSource {
  readonly #transport: PelmTransport;
  readonly #retry: RetryPolicy | undefined;
  readonly #breakers: CircuitBreakers;
  readonly #logger: Logger;

  constructor(options: PelmClientOptions) {
    this.#logger = options.logger ?? createSilentLogger();
    this.#transport = new PelmTransport(options, this.#logger);
    this.#retry = options.retry === false ? undefined : new RetryPolicy(options.retry);
    this.#breakers = new CircuitBreakers(options.breaker ?? {});
  }

  /** Tells the breakers' callers apart without keeping their tokens. */
  readonly #callerOf = createTokenHasher();

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
  async getIntervals(call: PelmCallOptions, query: IntervalsQuery): Promise<PelmIntervals> {
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
   * Settles one call: asks the endpoint's breaker, sends, and retries what may be retried.
   * When the breaker refuses a retry, the failure the caller sees is the real one before it.
   */
  async execute<TResult>(request: PelmRequest<TResult>): Promise<TResult> {
    request.signal?.throwIfAborted();
    const breaker = this.#breakers.for(request.operation);
    const caller = breaker === undefined ? '' : this.#callerOf(request.token ?? '');
    this.#retry?.started();
    let lastFailure: unknown;
    for (let attempt = 1; ; attempt += 1) {
      const admission = (await breaker?.admit(request.signal)) ?? 'pass';
      if (admission === 'refused') {
        this.#logger.debug({ operation: request.operation }, 'Pelm call refused by its breaker');
        throw lastFailure ?? breaker?.refusal(request.description);
      }

      try {
        const result = await this.#transport.send(request, attempt);
        breaker?.record('healthy', admission, caller);

        return result;
      } catch (failure) {
        breaker?.record(
          breakerOutcome(failure, request.signal?.aborted === true),
          admission,
          caller,
        );
        const delayMs = this.#retry?.delayBeforeRetry(failure, request.idempotent, attempt);
        if (delayMs === undefined) {
          throw failure;
        }

        lastFailure = failure;
        await abortableDelay(delayMs, request.signal);
      }
    }
  }

  /** State of the breaker of one operation (`getIntervals`…), for tests and health checks. */
  breakerState(operation: string): BreakerState {
    return this.#breakers.state(operation);
  }

  /** Closes the pool once in-flight calls have finished. */
  async close(): Promise<void> {
    await this.#transport.close();
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
}
