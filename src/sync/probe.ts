import { isPelmError, type PelmErrorCode } from '../pelm/errors.js';
import type { PelmCallOptions, PelmSource } from '../pelm/source.js';
import type { MeterType, PelmAccount } from '../pelm/types.js';

/** Whether one kind of a user's data answers yet. */
export type SyncState = 'SYNCING' | 'READY';

/** What a probe learnt about a user's first sync. Plain JSON: it travels through Redis. */
export interface SyncStatus {
  accounts: SyncState;
  bills: SyncState;
  intervals: SyncState;
  /** True when accounts, bills and intervals all answer. */
  ready: boolean;
  /** Epoch milliseconds of the probe that produced this status. */
  checkedAt: number;
}

/** Codes that end a subscription: waiting longer cannot change them. */
export type SyncFailureCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'DATA_UNAVAILABLE'
  | 'REAUTH_REQUIRED'
  /** The instance holding the subscription is stopping; another one can take it. */
  | 'SHUTTING_DOWN';

export interface SyncFailure {
  code: SyncFailureCode;
  /** Safe to show a client: written by us, never an upstream body. */
  message: string;
  /** Seconds after which subscribing again may help (`DATA_UNAVAILABLE`). */
  retryAfter?: number | undefined;
}

export type ProbeOutcome =
  /** `accounts` is set when this probe read them, so the event can reuse that fresh answer. */
  | { kind: 'status'; status: SyncStatus; accounts?: PelmAccount[] | undefined }
  | { kind: 'failed'; failure: SyncFailure }
  /** A passing upstream fault; `retryAfterMs` when Pelm said how long to wait. */
  | { kind: 'transient'; error: unknown; retryAfterMs: number | undefined };

/** Pelm answers that mean "this data is being loaded", the only answer worth waiting out. */
const STILL_SYNCING: PelmErrorCode = 'DATA_UNAVAILABLE';

/** Answers that no amount of waiting changes for this token. */
const TERMINAL: ReadonlySet<PelmErrorCode> = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

/**
 * Upstream faults worth trying again later. Anything else Pelm answers without
 * `data_unavailable` (no such feature, a parameter it refuses) still proves the data is loaded.
 */
const TRANSIENT: ReadonlySet<PelmErrorCode> = new Set([
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
]);

const DAY_SECONDS = 86_400;

/** How one upstream answer bears on the sync. */
export type Answer = 'ready' | 'syncing' | { failure: SyncFailure } | { transient: unknown };

export function classify(error: unknown): Answer {
  if (!isPelmError(error)) {
    return { transient: error };
  }

  if (error.code === STILL_SYNCING) {
    return 'syncing';
  }

  if (TERMINAL.has(error.code)) {
    return { failure: { code: error.code as SyncFailureCode, message: error.message } };
  }

  return TRANSIENT.has(error.code) ? { transient: error } : 'ready';
}

async function ask(call: () => Promise<unknown>): Promise<Answer> {
  try {
    await call();

    return 'ready';
  } catch (error) {
    return classify(error);
  }
}

function retryAfterMsOf(error: unknown): number | undefined {
  return isPelmError(error) && error.retryAfterSeconds !== undefined
    ? error.retryAfterSeconds * 1000
    : undefined;
}

/**
 * Probes one user's sync with the cheapest calls that tell: `GET /accounts` until the accounts
 * answer, then `GET /bills` for one account and a one-day `GET /intervals` window of it. A kind
 * found ready is never asked again (Pelm does not unload data), so a probe costs one or two
 * calls. Every call asks for fresh data: a cached or remembered `data_unavailable` would keep
 * the user syncing forever.
 */
export class SyncProbe {
  readonly #source: PelmSource;
  readonly #now: () => number;
  #accountsReady = false;
  #billsReady = false;
  #intervalsReady = false;
  /** The account the bills and intervals probes use; `null` for a user without accounts. */
  #account: { id: string; type: MeterType | undefined } | null | undefined;

  constructor(source: PelmSource, now: () => number = Date.now) {
    this.#source = source;
    this.#now = now;
  }

  async probe(call: Omit<PelmCallOptions, 'freshness'>): Promise<ProbeOutcome> {
    const fresh: PelmCallOptions = { ...call, freshness: 'no-cache' };
    let accounts: PelmAccount[] | undefined;
    if (!this.#accountsReady) {
      const answer = await ask(async () => {
        accounts = await this.#source.getAccounts(fresh);
      });
      if (answer !== 'ready') {
        return this.#outcome(answer);
      }

      this.#accountsReady = true;
      const first = accounts?.[0];
      this.#account =
        first === undefined ? null : { id: first.id, type: first.availableMeterTypes[0] };
    }

    const [bills, intervals] = await Promise.all([
      this.#billsReady ? ('ready' as const) : this.#probeBills(fresh),
      this.#intervalsReady ? ('ready' as const) : this.#probeIntervals(fresh),
    ]);
    this.#billsReady ||= bills === 'ready';
    this.#intervalsReady ||= intervals === 'ready';
    const problem = [bills, intervals].find((answer) => typeof answer === 'object');

    return problem === undefined
      ? { kind: 'status', status: this.#status(), accounts }
      : this.#outcome(problem);
  }

  #probeBills(call: PelmCallOptions): Promise<Answer> {
    const account = this.#account;
    if (account === null || account === undefined) {
      return Promise.resolve('ready');
    }

    return ask(() => this.#source.getBills(call, { accountId: account.id }));
  }

  #probeIntervals(call: PelmCallOptions): Promise<Answer> {
    const account = this.#account;
    if (account?.type === undefined) {
      // No account, or one without a meter: there are no intervals to wait for.
      return Promise.resolve('ready');
    }

    const endDate = Math.floor(this.#now() / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const query = {
      accountId: account.id,
      type: account.type,
      startDate: endDate - DAY_SECONDS,
      endDate,
    };

    return ask(() => this.#source.getIntervals(call, query));
  }

  #status(): SyncStatus {
    const state = (ready: boolean): SyncState => (ready ? 'READY' : 'SYNCING');

    return {
      accounts: state(this.#accountsReady),
      bills: state(this.#billsReady),
      intervals: state(this.#intervalsReady),
      ready: this.#accountsReady && this.#billsReady && this.#intervalsReady,
      checkedAt: this.#now(),
    };
  }

  #outcome(answer: Exclude<Answer, 'ready'>): ProbeOutcome {
    if (answer === 'syncing') {
      return { kind: 'status', status: this.#status() };
    }

    if ('failure' in answer) {
      return { kind: 'failed', failure: answer.failure };
    }

    return {
      kind: 'transient',
      error: answer.transient,
      retryAfterMs: retryAfterMsOf(answer.transient),
    };
  }
}
