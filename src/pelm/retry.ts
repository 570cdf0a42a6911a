import { checkedInteger } from './client-options.js';
import { PelmError } from './errors.js';

/** Retries after the first request of a call; 3 requests at most. */
export const DEFAULT_RETRIES = 2;
/** First backoff ceiling; each retry doubles it (full jitter picks a wait below it). */
export const DEFAULT_RETRY_BASE_DELAY_MS = 200;
/** Ceiling on one backoff wait, whatever the attempt number. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000;
/**
 * Longest `Retry-After` the gateway waits out inside a GraphQL request. A longer one fails at
 * once with `RATE_LIMITED` and the advice passed on, instead of holding the client.
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 5_000;
/** Retries may add at most this share of first requests over the budget window. */
export const DEFAULT_RETRY_BUDGET_RATIO = 0.2;
/** Retries always allowed per budget window, so a quiet gateway can still retry. */
export const DEFAULT_RETRY_BUDGET_MIN = 20;
/** The window the retry budget counts over. */
export const RETRY_BUDGET_WINDOW_MS = 10_000;

export interface RetryOptions {
  /** Retries after the first request; 0 sends every call once. @default DEFAULT_RETRIES (2) */
  retries?: number | undefined;
  /** @default DEFAULT_RETRY_BASE_DELAY_MS (200 ms) */
  baseDelayMs?: number | undefined;
  /** @default DEFAULT_RETRY_MAX_DELAY_MS (2 000 ms) */
  maxDelayMs?: number | undefined;
  /** Longest `Retry-After` waited out. @default DEFAULT_MAX_RETRY_AFTER_MS (5 000 ms) */
  maxRetryAfterMs?: number | undefined;
  /**
   * Share of first requests that retries may add, over `RETRY_BUDGET_WINDOW_MS`, on top of
   * `budgetMin`; bounds the extra load retries put on a struggling Pelm.
   * @default DEFAULT_RETRY_BUDGET_RATIO (0.2)
   */
  budgetRatio?: number | undefined;
  /** Retries always allowed per budget window. @default DEFAULT_RETRY_BUDGET_MIN (20) */
  budgetMin?: number | undefined;
  /** Source of randomness for the jitter, in `[0, 1)`. @default Math.random */
  random?: (() => number) | undefined;
  /** Clock in milliseconds, for the budget window. @default Date.now */
  now?: (() => number) | undefined;
}

const OWNER = 'PelmClient retry';

/**
 * When to send an idempotent call again: only after network faults, 429 and real 5xx (never
 * `data_unavailable`, never another 4xx), after an exponential backoff with full jitter or the
 * `Retry-After` Pelm asked for, and only while the retry budget lasts.
 */
export class RetryPolicy {
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #random: () => number;
  readonly #budget: RetryBudget;

  constructor(options: RetryOptions = {}) {
    this.#retries = checkedInteger(OWNER, 'retries', options.retries, DEFAULT_RETRIES, 0);
    this.#baseDelayMs = checkedInteger(
      OWNER,
      'baseDelayMs',
      options.baseDelayMs,
      DEFAULT_RETRY_BASE_DELAY_MS,
      0,
    );
    this.#maxDelayMs = checkedInteger(
      OWNER,
      'maxDelayMs',
      options.maxDelayMs,
      DEFAULT_RETRY_MAX_DELAY_MS,
      0,
    );
    this.#maxRetryAfterMs = checkedInteger(
      OWNER,
      'maxRetryAfterMs',
      options.maxRetryAfterMs,
      DEFAULT_MAX_RETRY_AFTER_MS,
      0,
    );
    this.#random = options.random ?? Math.random;
    this.#budget = new RetryBudget(
      options.budgetRatio ?? DEFAULT_RETRY_BUDGET_RATIO,
      checkedInteger(OWNER, 'budgetMin', options.budgetMin, DEFAULT_RETRY_BUDGET_MIN, 0),
      options.now ?? Date.now,
    );
  }

  /** Counts a first request towards the budget. */
  started(): void {
    this.#budget.recordCall();
  }

  /**
   * Milliseconds to wait before retry number `attempt` (1 for the first retry), or `undefined`
   * when the failure must surface now.
   */
  delayBeforeRetry(failure: unknown, idempotent: boolean, attempt: number): number | undefined {
    if (!idempotent || !(failure instanceof PelmError) || !failure.transient) {
      return undefined;
    }

    if (attempt > this.#retries) {
      return undefined;
    }

    let delayMs = this.#backoff(attempt);
    if (failure.retryAfterSeconds !== undefined) {
      const askedMs = failure.retryAfterSeconds * 1_000;
      if (askedMs > this.#maxRetryAfterMs) {
        return undefined;
      }

      delayMs = Math.max(delayMs, askedMs);
    }

    return this.#budget.tryWithdraw() ? delayMs : undefined;
  }

  /** Full jitter: anywhere between 0 and the doubled ceiling, so retries do not march in step. */
  #backoff(attempt: number): number {
    const ceilingMs = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));

    return Math.floor(this.#random() * ceilingMs);
  }
}

/**
 * Counts first requests and retries in one-second slots over `RETRY_BUDGET_WINDOW_MS`. A retry
 * is allowed while retries stay under `min + ratio × first requests`, so a Pelm outage makes
 * the gateway send at most about 20% more calls, not three times as many.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #min: number;
  readonly #now: () => number;
  readonly #slots = new Map<number, { calls: number; retries: number }>();

  constructor(ratio: number, min: number, now: () => number) {
    if (!Number.isFinite(ratio) || ratio < 0) {
      throw new RangeError(`${OWNER} option budgetRatio must be 0 or more; received ${ratio}.`);
    }

    this.#ratio = ratio;
    this.#min = min;
    this.#now = now;
  }

  recordCall(): void {
    this.#slot().calls += 1;
  }

  tryWithdraw(): boolean {
    this.#prune();
    let calls = 0;
    let retries = 0;
    for (const slot of this.#slots.values()) {
      calls += slot.calls;
      retries += slot.retries;
    }

    if (retries >= this.#min + this.#ratio * calls) {
      return false;
    }

    this.#slot().retries += 1;

    return true;
  }

  #prune(): void {
    const oldest = this.#second() - Math.ceil(RETRY_BUDGET_WINDOW_MS / 1_000) + 1;
    for (const key of this.#slots.keys()) {
      if (key < oldest) {
        this.#slots.delete(key);
      }
    }
  }

  #second(): number {
    return Math.floor(this.#now() / 1_000);
  }

  #slot(): { calls: number; retries: number } {
    this.#prune();
    const second = this.#second();
    let slot = this.#slots.get(second);
    if (slot === undefined) {
      slot = { calls: 0, retries: 0 };
      this.#slots.set(second, slot);
    }

    return slot;
  }
}
