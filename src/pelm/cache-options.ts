import type { Logger } from '../logger.js';
import type { TokenHasher } from '../token-hash.js';
import type { ResponseCacheOptions } from './response-cache.js';

/** The settings of the caching source, each with its default and the reason for it. */

/** Accounts change when a user adds a property: rarely. */
export const DEFAULT_ACCOUNTS_TTL_MS = 600_000;
/** Bills arrive monthly. */
export const DEFAULT_BILLS_TTL_MS = 1_800_000;
/** Windows that may still receive readings (Pelm syncs intervals about daily). */
export const DEFAULT_RECENT_INTERVALS_TTL_MS = 300_000;
/** Windows that ended long ago do not change any more. */
export const DEFAULT_CLOSED_INTERVALS_TTL_MS = 21_600_000;
/** The user profile; `credentialsValid` is the field that changes. */
export const DEFAULT_USER_TTL_MS = 300_000;
/** A window whose end is older than this counts as closed: utilities revise the last days. */
export const DEFAULT_INTERVALS_CLOSED_AFTER_MS = 172_800_000;
/** How long Pelm's "still syncing" answer is repeated without asking again. */
export const DEFAULT_NOT_READY_TTL_MS = 5_000;
/** How long past its freshness an answer is served while one refresh runs. */
export const DEFAULT_STALE_WHILE_REVALIDATE_MS = 60_000;
/** How long past its freshness an answer stands in for a failing Pelm. */
export const DEFAULT_STALE_IF_ERROR_MS = 3_600_000;

export interface CachingSourceOptions extends ResponseCacheOptions {
  /**
   * Keyed hash of the caller's token, the only form of the token in a key.
   * @default a hasher with a random per-process secret
   */
  tokenHasher?: TokenHasher | undefined;
  /** Freshness of `GET /accounts`. @default DEFAULT_ACCOUNTS_TTL_MS (10 min) */
  accountsTtlMs?: number | undefined;
  /** Freshness of `GET /bills`. @default DEFAULT_BILLS_TTL_MS (30 min) */
  billsTtlMs?: number | undefined;
  /** Freshness of an intervals window still open. @default DEFAULT_RECENT_INTERVALS_TTL_MS (5 min) */
  recentIntervalsTtlMs?: number | undefined;
  /** Freshness of a closed window. @default DEFAULT_CLOSED_INTERVALS_TTL_MS (6 h) */
  closedIntervalsTtlMs?: number | undefined;
  /** Freshness of `GET /users/{id}`. @default DEFAULT_USER_TTL_MS (5 min) */
  userTtlMs?: number | undefined;
  /**
   * Age of a window's end after which it is closed; windows without an end are recent.
   * @default DEFAULT_INTERVALS_CLOSED_AFTER_MS (48 h)
   */
  intervalsClosedAfterMs?: number | undefined;
  /** Life of a `data_unavailable` marker; 0 keeps none. @default DEFAULT_NOT_READY_TTL_MS (5 s) */
  notReadyTtlMs?: number | undefined;
  /** 0 turns stale-while-revalidate off. @default DEFAULT_STALE_WHILE_REVALIDATE_MS (60 s) */
  staleWhileRevalidateMs?: number | undefined;
  /** 0 turns stale-if-error off. @default DEFAULT_STALE_IF_ERROR_MS (1 h) */
  staleIfErrorMs?: number | undefined;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: (() => number) | undefined;
  /** @default a silent logger */
  logger?: Logger | undefined;
}

/** The settings that are durations in milliseconds, 0 or more. */
export type DurationOption =
  | 'accountsTtlMs'
  | 'billsTtlMs'
  | 'recentIntervalsTtlMs'
  | 'closedIntervalsTtlMs'
  | 'userTtlMs'
  | 'intervalsClosedAfterMs'
  | 'notReadyTtlMs'
  | 'staleWhileRevalidateMs'
  | 'staleIfErrorMs';
