import type { PelmErrorCode } from './errors.js';
import type {
  EpochSeconds,
  MeterType,
  PelmAccount,
  PelmBillGroups,
  PelmIntervals,
  PelmUser,
} from './types.js';

/** Who is asking, and when to give up: every data call carries the caller's own token. */
export interface PelmCallOptions {
  token: string;
  signal?: AbortSignal | undefined;
  /**
   * `'no-cache'` asks a caching source to skip what it holds (data and "not ready" markers)
   * and ask Pelm, still storing the fresh answer. Sync probes use it, so a poll never reads
   * an earlier poll's `data_unavailable`. @default 'default'
   */
  freshness?: 'default' | 'no-cache' | undefined;
  /**
   * Told when a caching source answers with data past its freshness, so the response can say
   * so. Never called by a source without a cache.
   */
  onStale?: ((read: StaleRead) => void) | undefined;
}

/** The kinds of Pelm data a source reads. */
export type PelmResource = 'accounts' | 'bills' | 'intervals' | 'user';

/** One answer served from the cache after its freshness ran out. */
export interface StaleRead {
  resource: PelmResource;
  /** Time since Pelm gave this answer. */
  ageMs: number;
  /**
   * `REVALIDATING` when a refresh is under way (stale-while-revalidate), otherwise the code of
   * the upstream failure the old answer stands in for (stale-if-error).
   */
  reason: 'REVALIDATING' | PelmErrorCode;
}

/** An intervals window: one account and meter type, or one meter; dates in epoch seconds. */
export type IntervalsQuery = (
  | { accountId: string; type: MeterType; meterId?: undefined }
  | { meterId: string; accountId?: undefined; type?: undefined }
) & {
  startDate?: EpochSeconds | undefined;
  endDate?: EpochSeconds | undefined;
};

/**
 * The read calls the per-request loaders need. `PelmClient` implements it over HTTP; a cache
 * or a test double can stand in front of it with the same shape.
 */
export interface PelmSource {
  getAccounts(call: PelmCallOptions): Promise<PelmAccount[]>;
  getBills(call: PelmCallOptions, query?: { accountId?: string }): Promise<PelmBillGroups>;
  getIntervals(call: PelmCallOptions, query: IntervalsQuery): Promise<PelmIntervals>;
  getUser(call: PelmCallOptions, userId: string): Promise<PelmUser>;
}
