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
