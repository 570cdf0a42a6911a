/**
 * What the benchmark asks: the queries, the token pools and the scenario rows. Times come from
 * the sandbox clock pinned at SANDBOX_NOW, so every run reads the same data.
 */

/** The sandbox clock for every run: mid-July 2024, well inside every account's history. */
export const SANDBOX_NOW = '2024-07-15T12:00:00Z';

/** One month of 15-minute data: 30 days × 96 = 2,880 intervals per account. */
export const MONTH = { from: '2024-06-01T00:00:00Z', to: '2024-07-01T00:00:00Z' };

/** A year of 15-minute data: 365 days × 96 = 35,040 intervals. */
export const YEAR = { from: '2023-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' };

const BILL_FIELDS = 'id startDate endDate dueDate totalAmountDue { amount currency }';

/** The headline query: every account with its bills. */
export const HEADLINE_QUERY = `{ user { accounts { id bills { ${BILL_FIELDS} } } } }`;

/** The headline query plus a month of electric intervals per account. */
export const MONTH_QUERY =
  `{ user { accounts { id bills { ${BILL_FIELDS} } ` +
  `intervals(type: ELECTRIC, from: "${MONTH.from}", to: "${MONTH.to}") { start usage } } } }`;

/** A year of electric intervals of the user's one account, as objects. */
export const YEAR_QUERY =
  `{ user { accounts { id ` +
  `intervals(type: ELECTRIC, from: "${YEAR.from}", to: "${YEAR.to}") { start usage } } } }`;

/** The same year summed per Pacific day: 365 interval objects. */
export const YEAR_DAYS_QUERY =
  `{ user { accounts { id ` +
  `intervals(type: ELECTRIC, from: "${YEAR.from}", to: "${YEAR.to}", resolution: DAY) ` +
  `{ start usage } } } }`;

/** The same year in the compact form: a start, a step and one list of 35,040 numbers. */
export const YEAR_SERIES_QUERY =
  `{ user { accounts { id ` +
  `intervalSeries(type: ELECTRIC, from: "${YEAR.from}", to: "${YEAR.to}") ` +
  `{ start stepSeconds usage } } } }`;

export function epochSeconds(time: string): number {
  return Math.floor(Date.parse(time) / 1000);
}

/**
 * Sandbox users `sandbox-user-<n>` have `1 + n % 5` accounts; `n = 5k + accounts - 1` picks users
 * with that many accounts, 20,000 of each.
 */
const USERS_PER_ACCOUNT_COUNT = 20_000;

function userToken(accounts: number, k: number): string {
  return `sandbox-user-${5 * k + accounts - 1}`;
}

/** Tokens handed out in order, each once, for runs where no cached answer may be reused. */
export class FreshTokens {
  readonly #accounts: number;
  readonly #first: number;
  readonly #end: number;
  #next: number;
  /** Set when the range ran out and started over: a later token may then hit a cache. */
  wrapped = false;

  /** Users `first` to `end - 1` of those with `accounts` accounts. */
  constructor(accounts: number, first: number, end: number) {
    this.#accounts = accounts;
    this.#first = first;
    this.#end = Math.min(end, USERS_PER_ACCOUNT_COUNT);
    this.#next = first;
  }

  /** The first `count` tokens this source will hand out. */
  peek(count: number): string[] {
    return Array.from({ length: count }, (_, index) =>
      userToken(this.#accounts, this.#first + index),
    );
  }

  next(): string {
    if (this.#next >= this.#end) {
      this.#next = this.#first;
      this.wrapped = true;
    }

    const token = userToken(this.#accounts, this.#next);
    this.#next += 1;

    return token;
  }
}

/** A fixed set of users taken in turn, so each user's data is read again and again. */
export class TokenPool {
  readonly tokens: readonly string[];
  #next = 0;

  /** `offset` keeps pools of different rows apart from each other and from `FreshTokens`. */
  constructor(accounts: number, size: number, offset: number) {
    this.tokens = Array.from({ length: size }, (_, index) => userToken(accounts, offset + index));
  }

  next(): string {
    const token = this.tokens[this.#next % this.tokens.length] as string;
    this.#next += 1;

    return token;
  }
}

export interface TokenSource {
  next(): string;
}

/**
 * `warmup` is not measured; `measure` covers the exact call count and the concurrency-1 latency
 * phase; `load` is the throughput phase.
 */
export type TokenPhase = 'warmup' | 'measure' | 'load';

/** Which reference lines a row is measured on besides the gateway. */
export type LineName = 'gateway' | 'naive' | 'direct';

export interface Scenario {
  /** Stable id, used by `--only` and in the JSON. */
  id: string;
  title: string;
  query: string;
  /** Sandbox added latency: the configured one, or zero to isolate gateway cost. */
  sandbox: 'latency' | 'zero';
  /** Tokens of each phase; called once per phase and line. */
  tokens: (phase: TokenPhase) => TokenSource;
  /** Users read once through the gateway before measuring, so that its cache has them. */
  prime?: readonly string[];
  /**
   * Users read once straight from the sandbox before the scenario. The sandbox computes a new
   * user's 26 months of bills on first sight (tens of ms of CPU that real Pelm does not spend
   * per request); reading them first keeps that out of every line's figures.
   */
  sandboxPrime?: readonly string[];
  lines: readonly LineName[];
  /**
   * Throughput concurrency when not the run's `--connections`: 32 requests for a year of data
   * each would only measure queueing.
   */
  connections?: number;
  /** The direct line's intervals window, when the query reads one. */
  directWindow?: { type: 'ELECTRIC'; startDate: number; endDate: number };
}

/** Cold users the sandbox reads ahead: more than the concurrency-1 phases of a full run use. */
const COLD_PRIMED_USERS = 400;
/**
 * The warm-up and the throughput phase of the cold row take users from one range shared by
 * all lines, so no line reads a user that an earlier line made the sandbox compute.
 */
const coldUnprimed = new FreshTokens(3, COLD_PRIMED_USERS, 14_000);
const coldTokens = (phase: TokenPhase) =>
  phase === 'measure' ? new FreshTokens(3, 0, COLD_PRIMED_USERS) : coldUnprimed;

// The sandbox keeps bills of about 640 three-account users: the cold, warm and month users
// together stay below that.
const warmPool = new TokenPool(3, 150, 15_000);
const monthPool = new TokenPool(3, 30, 16_000);
// A pool larger than the gateway's cache would miss on every request (round robin over an LRU):
// a month of 3 accounts is about 1.5 MB in the cache's estimate, a year of one about 6 MB, and
// the pools stay well under its default 64 MiB.
const yearPool = new TokenPool(1, 8, 17_000);

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'headline-cold',
    title: '1. headline query, cold (a new user every request)',
    query: HEADLINE_QUERY,
    sandbox: 'latency',
    tokens: coldTokens,
    sandboxPrime: new FreshTokens(3, 0, COLD_PRIMED_USERS).peek(COLD_PRIMED_USERS),
    lines: ['gateway', 'naive', 'direct'],
  },
  {
    id: 'headline-warm',
    title: '1. headline query, warm (150 users, each read before)',
    query: HEADLINE_QUERY,
    sandbox: 'latency',
    tokens: () => warmPool,
    prime: warmPool.tokens,
    lines: ['gateway', 'naive'],
  },
  {
    id: 'month',
    title: '2. headline + a month of 15-min intervals (3 accounts, 8,640), 30 users read before',
    query: MONTH_QUERY,
    sandbox: 'latency',
    tokens: () => monthPool,
    prime: monthPool.tokens,
    lines: ['gateway', 'naive', 'direct'],
    directWindow: {
      type: 'ELECTRIC',
      startDate: epochSeconds(MONTH.from),
      endDate: epochSeconds(MONTH.to),
    },
  },
  {
    id: 'year',
    title:
      '3. a year of 15-min intervals (35,040 objects, 1 account), 8 users read before, ' +
      'sandbox at 0 ms, 4 connections',
    query: YEAR_QUERY,
    sandbox: 'zero',
    connections: 4,
    tokens: () => yearPool,
    prime: yearPool.tokens,
    lines: ['gateway', 'naive'],
  },
  {
    id: 'year-day',
    title:
      '3. the same year summed per day (365 objects), 8 users read before, sandbox at 0 ms, ' +
      '4 connections',
    query: YEAR_DAYS_QUERY,
    sandbox: 'zero',
    connections: 4,
    tokens: () => yearPool,
    prime: yearPool.tokens,
    // The naive server has no `resolution`: summing is the gateway's own.
    lines: ['gateway'],
  },
  {
    id: 'year-series',
    title:
      '3. the same year as an intervalSeries (start, step and 35,040 numbers), 8 users read ' +
      'before, sandbox at 0 ms, 4 connections',
    query: YEAR_SERIES_QUERY,
    sandbox: 'zero',
    connections: 4,
    tokens: () => yearPool,
    prime: yearPool.tokens,
    lines: ['gateway'],
  },
];
