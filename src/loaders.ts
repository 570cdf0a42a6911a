import DataLoader from 'dataloader';

import { gatewayError } from './errors.js';

import type { IntervalsQuery, PelmCallOptions, PelmSource } from './pelm/source.js';
import type {
  PelmAccount,
  PelmBill,
  PelmBillGroups,
  PelmIntervals,
  PelmUser,
} from './pelm/types.js';

/**
 * The Pelm reads of one GraphQL request, for one caller. Each distinct upstream call is made at
 * most once per request, however many fields, aliases or fragments ask for it; a failure is
 * shared the same way, and dropped with the request (nothing here outlives it).
 */
export interface Loaders {
  /** `GET /accounts`. */
  accounts(): Promise<PelmAccount[]>;
  /** All accounts' bills from one `GET /bills`, grouped by account. */
  billGroups(): Promise<PelmBillGroups>;
  /** One account's bills, out of `billGroups()`; an account Pelm sent no group for has none. */
  bills(accountId: string): Promise<PelmBill[]>;
  /** One `GET /intervals` window. */
  intervals(query: IntervalsQuery): Promise<PelmIntervals>;
  /** `GET /users/{user_id}`. */
  user(userId: string): Promise<PelmUser>;
}

/** Single-key loaders (accounts, all bills) use this key; their result is the whole answer. */
const ALL = 'all';

/** The key that makes two intervals windows the same upstream call. */
export function intervalsKey(query: IntervalsQuery): string {
  const selector =
    query.meterId === undefined ? `a:${query.accountId}:${query.type}` : `m:${query.meterId}`;

  return `${selector}:${query.startDate ?? ''}:${query.endDate ?? ''}`;
}

/** Pelm calls one operation may make, whatever the estimate let through. @default 100 */
export const DEFAULT_MAX_UPSTREAM_CALLS = 100;

/**
 * `maxCalls` caps the distinct Pelm reads of the request. The cost estimate refuses most
 * operations over it before they run, but it must assume an account count (3) that a user may
 * exceed; past the cap each further read fails with `QUERY_TOO_COMPLEX`.
 */
export function createLoaders(
  source: PelmSource,
  call: PelmCallOptions,
  maxCalls = DEFAULT_MAX_UPSTREAM_CALLS,
): Loaders {
  // Built on first use: a subscription's context, and a request refused before it reads Pelm,
  // never pay for the four loaders.
  let built: ReturnType<typeof buildLoaders> | undefined;
  const loaders = () => (built ??= buildLoaders(source, call, spender(maxCalls)));

  return {
    accounts: () => loaders().accounts.load(ALL),
    billGroups: () => loaders().billGroups.load(ALL),
    async bills(accountId) {
      const group = (await loaders().billGroups.load(ALL)).get(accountId);
      if (group instanceof Error) {
        throw group;
      }

      return group ?? [];
    },
    intervals: (query) => loaders().intervals.load(query),
    user: (userId) => loaders().users.load(userId),
  };
}

function buildLoaders(source: PelmSource, call: PelmCallOptions, spend: () => void) {
  // A thrown batch makes DataLoader forget the key, and the next field of the same request would
  // ask Pelm again; a failure returned as the value is kept and shared for the request.
  return {
    accounts: new DataLoader<typeof ALL, PelmAccount[]>((keys) =>
      settleEach(keys, spend, () => source.getAccounts(call)),
    ),
    billGroups: new DataLoader<typeof ALL, PelmBillGroups>((keys) =>
      settleEach(keys, spend, () => source.getBills(call)),
    ),
    intervals: new DataLoader<IntervalsQuery, PelmIntervals, string>(
      (queries) => settleEach(queries, spend, (query) => source.getIntervals(call, query)),
      { cacheKeyFn: intervalsKey },
    ),
    users: new DataLoader<string, PelmUser>((userIds) =>
      settleEach(userIds, spend, (userId) => source.getUser(call, userId)),
    ),
  };
}

/** Counts the request's Pelm reads; throws once they pass `maxCalls`. */
function spender(maxCalls: number): () => void {
  let spent = 0;

  return () => {
    spent += 1;
    if (spent > maxCalls) {
      throw gatewayError(
        'QUERY_TOO_COMPLEX',
        `Query too complex: it needs more than ${maxCalls} upstream calls. Ask for fewer ` +
          'accounts or date ranges.',
        { limit: 'upstream-calls' },
      );
    }
  };
}

/**
 * Runs one upstream call per key, all at once, and answers in key order with an `Error` in
 * place of each failed key, so one failure rejects that key's load only.
 */
async function settleEach<K, V>(
  keys: readonly K[],
  spend: () => void,
  load: (key: K) => Promise<V>,
): Promise<Array<V | Error>> {
  const results = await Promise.allSettled(
    keys.map(async (key) => {
      spend();

      return load(key);
    }),
  );

  return results.map((result) =>
    result.status === 'fulfilled' ? result.value : asError(result.reason),
  );
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
