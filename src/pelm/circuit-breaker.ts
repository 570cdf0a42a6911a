import { checkedInteger } from './client-options.js';
import { PelmError } from './errors.js';

/** Upstream faults in a row that open an endpoint's breaker. */
export const DEFAULT_BREAKER_FAILURE_THRESHOLD = 5;
/** Distinct callers whose faults it takes to open a breaker. */
export const DEFAULT_BREAKER_MIN_CALLERS = 2;
/** How long an open breaker answers at once before letting one trial request through. */
export const DEFAULT_BREAKER_HALF_OPEN_AFTER_MS = 10_000;

export interface CircuitBreakerOptions {
  /**
   * Upstream faults in a row (network errors, timeouts, real 5xx, garbage bodies; never 4xx or
   * `data_unavailable`) that open the breaker; 0 turns breakers off.
   * @default DEFAULT_BREAKER_FAILURE_THRESHOLD (5)
   */
  failureThreshold?: number | undefined;
  /**
   * Distinct callers (tokens) among the faults in a row that it takes to open the breaker,
   * at most `failureThreshold`. @default DEFAULT_BREAKER_MIN_CALLERS (2)
   */
  minCallers?: number | undefined;
  /**
   * Time an open breaker refuses calls before one trial goes through.
   * @default DEFAULT_BREAKER_HALF_OPEN_AFTER_MS (10 000 ms)
   */
  halfOpenAfterMs?: number | undefined;
  /** Clock in milliseconds. @default Date.now */
  now?: (() => number) | undefined;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** How one admitted request ended, as far as the breaker cares. */
export type BreakerOutcome = 'healthy' | 'fault' | 'abandoned';

/** `trial` is the one request a half-open breaker lets through to test the endpoint. */
export type Admission = 'pass' | 'trial' | 'refused';

const OWNER = 'PelmClient breaker';

/**
 * One breaker per upstream endpoint, so a hung `/intervals` stops costing sockets and waiting
 * time while `/accounts` and `/bills` go on working. Open: calls fail at once with
 * `UPSTREAM_ERROR` and a `retryAfter`. After `halfOpenAfterMs` one trial is let through; calls
 * arriving meanwhile wait for its outcome, so recovery needs no restart and no failed request.
 *
 * Faults in a row open a breaker only when they came from at least `minCallers` callers: one
 * user whose data makes Pelm fail (or who asks for a broken account on purpose) must not pause
 * the endpoint for everyone. Such a user's calls still go out, bounded by the retry budget.
 */
export class CircuitBreakers {
  readonly #threshold: number;
  readonly #minCallers: number;
  readonly #halfOpenAfterMs: number;
  readonly #now: () => number;
  readonly #breakers = new Map<string, EndpointBreaker>();

  constructor(options: CircuitBreakerOptions | false = {}) {
    const settings = options === false ? { failureThreshold: 0 } : options;
    this.#threshold = checkedInteger(
      OWNER,
      'failureThreshold',
      settings.failureThreshold,
      DEFAULT_BREAKER_FAILURE_THRESHOLD,
      0,
    );
    this.#minCallers = Math.min(
      this.#threshold,
      checkedInteger(OWNER, 'minCallers', settings.minCallers, DEFAULT_BREAKER_MIN_CALLERS, 1),
    );
    this.#halfOpenAfterMs = checkedInteger(
      OWNER,
      'halfOpenAfterMs',
      settings.halfOpenAfterMs,
      DEFAULT_BREAKER_HALF_OPEN_AFTER_MS,
    );
    this.#now = settings.now ?? Date.now;
  }

  /** The breaker of one endpoint (`operation`), or `undefined` when breakers are off. */
  for(operation: string): EndpointBreaker | undefined {
    if (this.#threshold === 0) {
      return undefined;
    }

    let breaker = this.#breakers.get(operation);
    if (breaker === undefined) {
      breaker = new EndpointBreaker(
        this.#threshold,
        this.#minCallers,
        this.#halfOpenAfterMs,
        this.#now,
      );
      this.#breakers.set(operation, breaker);
    }

    return breaker;
  }

  /** Current state of an endpoint's breaker, for tests and health reporting. */
  state(operation: string): BreakerState {
    return this.#breakers.get(operation)?.state ?? 'closed';
  }
}

export class EndpointBreaker {
  readonly #threshold: number;
  readonly #minCallers: number;
  readonly #halfOpenAfterMs: number;
  readonly #now: () => number;
  #state: BreakerState = 'closed';
  #faultsInRow = 0;
  /** Keyed hashes of the callers among the faults in a row (at most `threshold` of them). */
  readonly #faultyCallers = new Set<string>();
  #openedAtMs = 0;
  /** Settles when the half-open trial ends; `undefined` while no trial runs. */
  #trial: { done: Promise<void>; settle: () => void } | undefined;

  constructor(threshold: number, minCallers: number, halfOpenAfterMs: number, now: () => number) {
    this.#threshold = threshold;
    this.#minCallers = minCallers;
    this.#halfOpenAfterMs = halfOpenAfterMs;
    this.#now = now;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Milliseconds until an open breaker lets a trial through. */
  get retryAfterMs(): number {
    return Math.max(0, this.#openedAtMs + this.#halfOpenAfterMs - this.#now());
  }

  /**
   * Whether a request may go out now. While a half-open trial runs, waits for its outcome (or
   * rejects with the signal's reason) and decides again.
   */
  async admit(signal: AbortSignal | undefined): Promise<Admission> {
    for (;;) {
      if (this.#state === 'closed') {
        return 'pass';
      }

      if (this.#state === 'open') {
        if (this.retryAfterMs > 0) {
          return 'refused';
        }

        this.#state = 'half-open';
      }

      if (this.#trial === undefined) {
        this.#startTrial();

        return 'trial';
      }

      await waitOrAbort(this.#trial.done, signal);
    }
  }

  /** Records how an admitted request of `caller` (a keyed hash of its token) ended. */
  record(outcome: BreakerOutcome, admission: Admission, caller: string): void {
    const trial = admission === 'trial';
    if (outcome === 'healthy') {
      this.#state = 'closed';
      this.#faultsInRow = 0;
      this.#faultyCallers.clear();
    } else if (outcome === 'fault') {
      this.#faultsInRow += 1;
      if (this.#faultyCallers.size < this.#threshold) {
        this.#faultyCallers.add(caller);
      }

      const many = this.#faultyCallers.size >= this.#minCallers;
      if (
        (trial && this.#state === 'half-open') ||
        (this.#faultsInRow >= this.#threshold && many)
      ) {
        this.#state = 'open';
        this.#openedAtMs = this.#now();
      }
    }

    // Waiters decide again once the breaker leaves half-open, or when the trial was abandoned
    // (the caller went away): then the next waiter becomes the trial.
    if (this.#state !== 'half-open' || (trial && outcome === 'abandoned')) {
      this.#trial?.settle();
      this.#trial = undefined;
    }
  }

  /** The error a refused call fails with: the caller may ask again after `retryAfter`. */
  refusal(description: string): PelmError {
    return new PelmError(
      'UPSTREAM_ERROR',
      `Pelm keeps failing to ${description}; the gateway pauses these calls for a moment.`,
      { retryAfterSeconds: Math.max(1, Math.ceil(this.retryAfterMs / 1_000)) },
    );
  }

  #startTrial(): void {
    let settle = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#trial = { done, settle };
  }
}

/** How a breaker reads the end of one request. */
export function breakerOutcome(failure: unknown, aborted: boolean): BreakerOutcome {
  if (aborted || !(failure instanceof PelmError)) {
    return 'abandoned';
  }

  return failure.upstreamFault ? 'fault' : 'healthy';
}

function waitOrAbort(pending: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) {
    return pending;
  }

  signal.throwIfAborted();

  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void pending.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
