import { setMaxListeners } from 'node:events';

import { PelmError } from './pelm/errors.js';
import type { StaleRead } from './pelm/source.js';

/** Listeners the scope's signal may hold: a few per Pelm call, for far more calls than allowed. */
const MAX_CALL_LISTENERS = 10_000;

/** How long one GraphQL query or mutation may wait for Pelm, all calls together. */
export const DEFAULT_REQUEST_DEADLINE_MS = 20_000;

/** When each HTTP request arrived, noted by `useUpstreamScope` before any parsing or checks. */
const arrivals = new WeakMap<Request, number>();

/** Notes that `request` arrived now; its deadline counts from here. */
export function markArrival(request: Request): void {
  arrivals.set(request, Date.now());
}

/** What `extensions.stale` holds for each kind of data served past its freshness. */
export interface StaleNotice {
  resource: StaleRead['resource'];
  /** Age of the oldest such answer in this response, in whole seconds. */
  ageSeconds: number;
  reason: StaleRead['reason'];
}

/**
 * The Pelm side of one GraphQL request: the signal every upstream call of the request carries
 * (the client's own, plus the request deadline once execution starts) and the stale answers
 * the response must own up to.
 */
export class UpstreamScope {
  readonly #controller = new AbortController();
  readonly #client: AbortSignal;
  readonly #deadlineMs: number;
  readonly #startedMs: number;
  readonly #stale = new Map<string, StaleNotice>();
  #timer: NodeJS.Timeout | undefined;

  // A coded reason: the fields still resolving when the client leaves then end as an upstream
  // outcome, not as an unexpected error logged for a response nobody will read.
  readonly #onClientAbort = (): void => {
    this.#controller.abort(
      new PelmError('UPSTREAM_ERROR', 'The client left before Pelm answered.', {
        cause: this.#client.reason,
      }),
    );
  };

  /** Passed to the loaders: records an answer served past its freshness. */
  readonly onStale = (read: StaleRead): void => {
    const key = `${read.resource}:${read.reason}`;
    const ageSeconds = Math.floor(read.ageMs / 1_000);
    const known = this.#stale.get(key);
    if (known === undefined || known.ageSeconds < ageSeconds) {
      this.#stale.set(key, { resource: read.resource, ageSeconds, reason: read.reason });
    }
  };

  /** `request`'s signal is the client's; the deadline counts from its arrival. */
  constructor(request: Request, deadlineMs = DEFAULT_REQUEST_DEADLINE_MS) {
    // Every Pelm call of the request listens to this signal, a year for three accounts is 23
    // of them, and Node warns (on stderr, outside the JSON log) past 10. The calls of one
    // operation are bounded by the upstream-call limit; this bound only keeps a real leak loud.
    setMaxListeners(MAX_CALL_LISTENERS, this.#controller.signal);
    const client = request.signal;
    this.#client = client;
    this.#deadlineMs = deadlineMs;
    this.#startedMs = arrivals.get(request) ?? Date.now();
    if (client.aborted) {
      this.#onClientAbort();
    } else {
      client.addEventListener('abort', this.#onClientAbort, { once: true });
    }
  }

  /**
   * Aborts when the client leaves (`UPSTREAM_ERROR`) or at the deadline (`UPSTREAM_TIMEOUT`),
   * always with a `PelmError` as reason, which the Pelm client rejects with.
   */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Starts the deadline clock, counted from when the request arrived. Only queries and
   * mutations call it: a subscription lives as long as its client wants.
   */
  startDeadline(): void {
    if (this.#timer !== undefined || this.#controller.signal.aborted) {
      return;
    }

    const remainingMs = Math.max(0, this.#startedMs + this.#deadlineMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#controller.abort(
        new PelmError(
          'UPSTREAM_TIMEOUT',
          'Pelm did not answer before the request deadline; ask again shortly.',
        ),
      );
    }, remainingMs);
    this.#timer.unref();
  }

  /** The stale answers served so far, one line per resource and reason. */
  staleNotices(): StaleNotice[] {
    return [...this.#stale.values()];
  }

  /** Ends the deadline clock and stops listening to the client, once the response is built. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#client.removeEventListener('abort', this.#onClientAbort);
  }
}
