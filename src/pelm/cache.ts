import { createSilentLogger, type Logger } from '../logger.js';
import { createTokenHasher, type TokenHasher } from '../token-hash.js';
import {
  DEFAULT_ACCOUNTS_TTL_MS,
  DEFAULT_BILLS_TTL_MS,
  DEFAULT_CLOSED_INTERVALS_TTL_MS,
  DEFAULT_INTERVALS_CLOSED_AFTER_MS,
  DEFAULT_NOT_READY_TTL_MS,
  DEFAULT_RECENT_INTERVALS_TTL_MS,
  DEFAULT_STALE_IF_ERROR_MS,
  DEFAULT_STALE_WHILE_REVALIDATE_MS,
  DEFAULT_USER_TTL_MS,
  type CachingSourceOptions,
  type DurationOption,
} from './cache-options.js';
import { isPelmError, type PelmErrorCode } from './errors.js';
import { InFlightCalls } from './in-flight.js';
import { estimateBytes, ResponseCache, type CacheEntry } from './response-cache.js';
import type {
  IntervalsQuery,
  PelmCallOptions,
  PelmResource,
  PelmSource,
  StaleRead,
} from './source.js';
import type { PelmAccount, PelmBillGroups, PelmIntervals, PelmUser } from './types.js';

export * from './cache-options.js';

/** A `PelmSource` with a cache in front, plus what tests and operators may look at. */
export interface CachingSource extends PelmSource {
  /** The keys held now: a keyed token hash and the request, never a token. */
  keys(): string[];
  /** Entries and estimated bytes held now. */
  usage(): { entries: number; bytes: number };
  /** What the cache holds for one read, or `undefined`; does not count as a use. */
  peek(token: string, resource: PelmResource, params?: unknown): CacheEntry | undefined;
  /** Upstream calls running now (each possibly shared by several requests). */
  inFlight(): number;
  clear(): void;
}

/** Upstream failures a last good answer may stand in for; never auth or input errors. */
const STALE_IF_ERROR_CODES: ReadonlySet<PelmErrorCode> = new Set([
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'DATA_UNAVAILABLE',
]);

interface Read<T> {
  resource: PelmResource;
  /** Everything besides the token that makes two reads the same upstream call. */
  params: unknown;
  ttlMs: number;
  fetch: (call: PelmCallOptions) => Promise<T>;
  /** Whether an answer may be kept; partial answers are served once and not kept. */
  keepable?: (value: T) => boolean;
}

/**
 * Wraps a `PelmSource` with a cross-request cache. Every key starts with a keyed hash of the
 * caller's token, so one token can never read another's entry; identical reads in flight at
 * once share one upstream call. Only good answers are kept (Pelm's `data_unavailable` for a few
 * seconds, as a marker); expired answers are served while one refresh runs and, within a bound,
 * when Pelm fails, and each such read is reported through `call.onStale`.
 */
export function createCachingSource(
  source: PelmSource,
  options: CachingSourceOptions = {},
): CachingSource {
  return new CachingPelmSource(source, options);
}

class CachingPelmSource implements CachingSource {
  readonly #source: PelmSource;
  readonly #cache: ResponseCache;
  readonly #flights = new InFlightCalls();
  readonly #hash: TokenHasher;
  readonly #settings: Record<DurationOption, number>;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(source: PelmSource, options: CachingSourceOptions) {
    this.#source = source;
    this.#cache = new ResponseCache(options);
    this.#hash = options.tokenHasher ?? createTokenHasher();
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? createSilentLogger();
    const duration = (name: DurationOption, fallback: number): number => {
      const value = options[name] ?? fallback;
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(
          `Pelm cache option ${name} must be a whole number of milliseconds, 0 or more; received ${value}.`,
        );
      }

      return value;
    };

    this.#settings = {
      accountsTtlMs: duration('accountsTtlMs', DEFAULT_ACCOUNTS_TTL_MS),
      billsTtlMs: duration('billsTtlMs', DEFAULT_BILLS_TTL_MS),
      recentIntervalsTtlMs: duration('recentIntervalsTtlMs', DEFAULT_RECENT_INTERVALS_TTL_MS),
      closedIntervalsTtlMs: duration('closedIntervalsTtlMs', DEFAULT_CLOSED_INTERVALS_TTL_MS),
      userTtlMs: duration('userTtlMs', DEFAULT_USER_TTL_MS),
      intervalsClosedAfterMs: duration('intervalsClosedAfterMs', DEFAULT_INTERVALS_CLOSED_AFTER_MS),
      notReadyTtlMs: duration('notReadyTtlMs', DEFAULT_NOT_READY_TTL_MS),
      staleWhileRevalidateMs: duration('staleWhileRevalidateMs', DEFAULT_STALE_WHILE_REVALIDATE_MS),
      staleIfErrorMs: duration('staleIfErrorMs', DEFAULT_STALE_IF_ERROR_MS),
    };
  }

  getAccounts(call: PelmCallOptions): Promise<PelmAccount[]> {
    return this.#read(call, {
      resource: 'accounts',
      params: null,
      ttlMs: this.#settings.accountsTtlMs,
      fetch: (upstream) => this.#source.getAccounts(upstream),
    });
  }

  getBills(call: PelmCallOptions, query: { accountId?: string } = {}): Promise<PelmBillGroups> {
    const accountId = query.accountId;

    return this.#read(call, {
      resource: 'bills',
      params: accountId ?? null,
      ttlMs: this.#settings.billsTtlMs,
      fetch: (upstream) =>
        this.#source.getBills(upstream, accountId === undefined ? {} : { accountId }),
      // A group that did not fit is an error in place of that account's bills: serve it to
      // this request, but let the next one ask Pelm again.
      keepable: (groups) => [...groups.values()].every((group) => !(group instanceof Error)),
    });
  }

  getIntervals(call: PelmCallOptions, query: IntervalsQuery): Promise<PelmIntervals> {
    return this.#read(call, {
      resource: 'intervals',
      params: [
        query.accountId ?? null,
        query.type ?? null,
        query.meterId ?? null,
        query.startDate ?? null,
        query.endDate ?? null,
      ],
      ttlMs: this.#intervalsTtlMs(query),
      fetch: (upstream) => this.#source.getIntervals(upstream, query),
    });
  }

  getUser(call: PelmCallOptions, userId: string): Promise<PelmUser> {
    return this.#read(call, {
      resource: 'user',
      params: userId,
      ttlMs: this.#settings.userTtlMs,
      fetch: (upstream) => this.#source.getUser(upstream, userId),
    });
  }

  keys(): string[] {
    return this.#cache.keys();
  }

  usage(): { entries: number; bytes: number } {
    return { entries: this.#cache.entries, bytes: this.#cache.bytes };
  }

  peek(token: string, resource: PelmResource, params: unknown = null): CacheEntry | undefined {
    return this.#cache.peek(this.#key(token, resource, params));
  }

  inFlight(): number {
    return this.#flights.size;
  }

  clear(): void {
    this.#cache.clear();
  }

  /** Token hash first (fixed length, hex), then the read as JSON: no two reads share a key. */
  #key(token: string, resource: PelmResource, params: unknown): string {
    return `${this.#hash(token)}:${JSON.stringify([resource, params])}`;
  }

  #intervalsTtlMs(query: IntervalsQuery): number {
    const closedBeforeMs = this.#now() - this.#settings.intervalsClosedAfterMs;
    const closed = query.endDate !== undefined && query.endDate * 1_000 < closedBeforeMs;

    return closed ? this.#settings.closedIntervalsTtlMs : this.#settings.recentIntervalsTtlMs;
  }

  async #read<T>(call: PelmCallOptions, read: Read<T>): Promise<T> {
    const key = this.#key(call.token, read.resource, read.params);
    const useCache = call.freshness !== 'no-cache';
    if (useCache) {
      const cached = this.#fromCache(key, call, read);
      if (cached !== undefined) {
        return cached.value;
      }
    }

    try {
      return await this.#flights.run(key, (signal) => this.#fetch(key, call.token, signal, read), {
        signal: call.signal,
        join: useCache,
      });
    } catch (error) {
      const stale = useCache ? this.#staleInsteadOf(key, error) : undefined;
      if (stale === undefined) {
        throw error;
      }

      call.onStale?.({
        resource: read.resource,
        ageMs: this.#now() - stale.storedAtMs,
        reason: isPelmError(error) ? error.code : 'UPSTREAM_ERROR',
      });

      return stale.value as T;
    }
  }

  /**
   * A fresh entry, a fresh "not ready" marker (thrown), or an expired entry within the
   * stale-while-revalidate window (a refresh starts in the background); otherwise nothing.
   */
  #fromCache<T>(key: string, call: PelmCallOptions, read: Read<T>): { value: T } | undefined {
    const entry = this.#cache.get(key);
    const nowMs = this.#now();
    if (entry === undefined) {
      return undefined;
    }

    if (entry.kind === 'not-ready') {
      if (nowMs < entry.freshUntilMs) {
        throw entry.error;
      }

      return undefined;
    }

    if (nowMs < entry.freshUntilMs) {
      return { value: entry.value as T };
    }

    if (nowMs - entry.freshUntilMs > this.#settings.staleWhileRevalidateMs) {
      return undefined;
    }

    this.#flights.detach(key, (signal) => this.#fetch(key, call.token, signal, read));
    const staleRead: StaleRead = {
      resource: read.resource,
      ageMs: nowMs - entry.storedAtMs,
      reason: 'REVALIDATING',
    };
    call.onStale?.(staleRead);

    return { value: entry.value as T };
  }

  async #fetch<T>(key: string, token: string, signal: AbortSignal, read: Read<T>): Promise<T> {
    const startedMs = this.#now();
    try {
      const value = await read.fetch({ token, signal });
      if (read.ttlMs > 0 && (read.keepable?.(value) ?? true)) {
        this.#store(key, {
          kind: 'data',
          value,
          storedAtMs: startedMs,
          freshUntilMs: startedMs + read.ttlMs,
          bytes: estimateBytes(value),
        });
      }

      return value;
    } catch (error) {
      this.#rememberNotReady(key, error, startedMs);
      throw error;
    }
  }

  /** Only `data_unavailable`, only briefly, and never over a good answer kept for stale use. */
  #rememberNotReady(key: string, error: unknown, startedMs: number): void {
    const ttlMs = this.#settings.notReadyTtlMs;
    if (ttlMs === 0 || !isPelmError(error) || error.code !== 'DATA_UNAVAILABLE') {
      return;
    }

    if (this.#cache.peek(key)?.kind === 'data') {
      return;
    }

    this.#store(key, {
      kind: 'not-ready',
      error,
      storedAtMs: startedMs,
      freshUntilMs: startedMs + ttlMs,
      bytes: 256,
    });
  }

  #store(key: string, entry: CacheEntry): void {
    const staleMs =
      entry.kind === 'data'
        ? Math.max(this.#settings.staleWhileRevalidateMs, this.#settings.staleIfErrorMs)
        : 0;
    this.#cache.set(key, entry, entry.freshUntilMs - this.#now() + staleMs);
    this.#logger.trace({ kind: entry.kind, bytes: entry.bytes }, 'Pelm answer cached');
  }

  /** The last good answer, when the failure is an upstream one and the answer is recent enough. */
  #staleInsteadOf(key: string, error: unknown) {
    if (!isPelmError(error) || !STALE_IF_ERROR_CODES.has(error.code)) {
      return undefined;
    }

    const entry = this.#cache.peek(key);
    if (entry?.kind !== 'data') {
      return undefined;
    }

    return this.#now() - entry.freshUntilMs <= this.#settings.staleIfErrorMs ? entry : undefined;
  }
}
