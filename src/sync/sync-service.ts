import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { Repeater } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

import type { Logger } from '../logger.js';
import type { PelmSource } from '../pelm/source.js';
import { createTokenHasher, type TokenHasher } from '../token-hash.js';
import { SyncProbe, type ProbeOutcome, type SyncFailure, type SyncStatus } from './probe.js';
import { createMemorySyncBus, type SyncBus } from './pubsub.js';
import { checkProfile, syncEvent, Watcher, type SyncEvent, type SyncSink } from './watcher.js';

export const DEFAULT_POLL_MIN_MS = 2_000;
export const DEFAULT_POLL_MAX_MS = 60_000;
export const DEFAULT_POLL_JITTER = 0.2;
export const DEFAULT_READY_LIMIT_MS = 1_800_000;
export const DEFAULT_LOCK_TTL_MS = 15_000;
/**
 * How long a user found ready is remembered. Pelm does not unload data once loaded, so a
 * subscription opened soon after (another tab, a late device) is answered without probing.
 * Only readiness is remembered, never `data_unavailable`, and the payload is still read fresh.
 */
export const READY_MEMORY_MS = 60_000;
const READY_MEMORY_MAX_USERS = 10_000;

export interface SyncServiceOptions {
  /** Where probes read; every probe asks it for fresh data (`freshness: 'no-cache'`). */
  source: PelmSource;
  logger: Logger;
  /** Where events travel and the poll-loop lock lives. @default an in-process bus */
  bus?: SyncBus | undefined;
  /**
   * Keyed hash of tokens for topic and lock names. Instances sharing a bus must share its
   * secret. @default a hasher with a random secret (right for one instance)
   */
  hashToken?: TokenHasher | undefined;
  /** Shortest, and first, pause between two probes of a syncing user. @default 2_000 */
  pollMinMs?: number | undefined;
  /** Longest pause between two probes; pauses double up to it. @default 60_000 */
  pollMaxMs?: number | undefined;
  /** Share of each pause drawn at random, 0 to 1. @default 0.2 */
  pollJitter?: number | undefined;
  /** A subscription still waiting after this long ends with `DATA_UNAVAILABLE`. @default 1_800_000 */
  readyLimitMs?: number | undefined;
  /** Time to live of the poll-loop lock (shared buses only). @default 15_000 */
  lockTtlMs?: number | undefined;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  random?: (() => number) | undefined;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: (() => number) | undefined;
}

export interface SyncSubscribeOptions {
  /** The caller's own `user_id`: lets the subscription end with `REAUTH_REQUIRED`. */
  userId?: string | undefined;
  /** Also deliver each change of status before the data is ready. @default false */
  progress?: boolean | undefined;
  /** Ends the subscription when aborted (the client went away). */
  signal?: AbortSignal | undefined;
}

/** Counts for tests and health checks. */
export interface SyncStats {
  /** Users watched on this instance. */
  watchers: number;
  /** Watchers of this instance that run their user's poll loop. */
  leading: number;
  /** Open `dataReady` subscriptions on this instance. */
  subscribers: number;
}

/**
 * `dataReady` and `syncStatus` for the whole instance: one watcher per user (per keyed hash of
 * the token) however many subscriptions ask, and with a shared bus one poll loop per user
 * across instances.
 */
export class SyncService {
  /** Owner id of this instance's locks and `from` of its messages. */
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #options: SyncServiceOptions;
  readonly #bus: SyncBus;
  readonly #hash: TokenHasher;
  readonly #watchers = new Map<string, Watcher>();
  /** Status probes of queries in flight, shared by concurrent queries for the same user. */
  readonly #probes = new Map<string, Promise<ProbeOutcome>>();
  /** How to end each open subscription, for `close`. */
  readonly #open = new Set<() => void>();
  /** Users found ready lately, by token hash. */
  readonly #ready = new LRUCache<string, SyncStatus>({
    max: READY_MEMORY_MAX_USERS,
    ttl: READY_MEMORY_MS,
  });

  constructor(options: SyncServiceOptions) {
    this.#options = options;
    this.#bus = options.bus ?? createMemorySyncBus();
    this.#hash = options.hashToken ?? createTokenHasher();
  }

  /**
   * The events of one `dataReady` subscription: progress (when asked for), then one `ready`
   * or one `failed`, then the end. Nothing starts until the first `next()`, and everything is
   * undone when the consumer returns, the signal aborts or the last event is delivered.
   */
  subscribe(token: string, options: SyncSubscribeOptions = {}): AsyncIterableIterator<SyncEvent> {
    return new Repeater<SyncEvent>(async (push, stop) => {
      const { signal } = options;
      if (signal?.aborted === true) {
        stop();

        return;
      }

      const end = (event: SyncEvent) => {
        void push(event);
        stop();
      };

      const known = this.#ready.get(this.#hash(token));
      if (known !== undefined) {
        end(await this.#readyAgain(token, known, options));

        return;
      }

      let cleared = options.userId === undefined;
      let held: SyncEvent | undefined;
      const sink: SyncSink = {
        deliver(event) {
          if (event.kind === 'failed' || (event.kind === 'ready' && cleared)) {
            end(event);
          } else if (event.kind === 'ready') {
            held = event;
          } else if (options.progress === true && cleared) {
            void push(event);
          }
        },
      };
      const limitMs = this.#options.readyLimitMs ?? DEFAULT_READY_LIMIT_MS;
      const limit = setTimeout(() => end(notReadyInTime(limitMs)), limitMs);
      const onAbort = () => stop();
      signal?.addEventListener('abort', onAbort, { once: true });
      const onClose = () => end(SHUTTING_DOWN);
      this.#open.add(onClose);
      const watcher = this.#join(token, sink);
      if (options.userId !== undefined) {
        void watcher.profile(options.userId).then((failure) => {
          cleared = failure === undefined;
          if (failure !== undefined) {
            end({ kind: 'failed', failure });
          } else if (held !== undefined) {
            end(held);
          }
        });
      }

      await stop;
      clearTimeout(limit);
      signal?.removeEventListener('abort', onAbort);
      this.#open.delete(onClose);
      watcher.remove(sink);
    });
  }

  /**
   * The sync status for a query. A watcher already running for the user answers (its leader
   * probes at once, unless it just did); otherwise one probe runs, shared by concurrent queries.
   * Throws the failure (`UNAUTHENTICATED`…) or the upstream error of that probe.
   */
  async status(token: string, signal?: AbortSignal): Promise<SyncStatus | SyncFailure> {
    const hash = this.#hash(token);
    const ready = this.#ready.get(hash);
    if (ready !== undefined) {
      return ready;
    }

    const known = await this.#watchers.get(hash)?.wake();
    if (known !== undefined) {
      return known;
    }

    let pending = this.#probes.get(hash);
    if (pending === undefined) {
      const probe = new SyncProbe(this.#options.source, this.#options.now);
      pending = probe.probe({ token, signal }).finally(() => this.#probes.delete(hash));
      this.#probes.set(hash, pending);
    }

    const outcome = await pending;
    if (outcome.kind === 'transient') {
      throw outcome.error;
    }

    if (outcome.kind === 'status' && outcome.status.ready) {
      this.#ready.set(hash, outcome.status);
    }

    return outcome.kind === 'failed' ? outcome.failure : outcome.status;
  }

  stats(): SyncStats {
    let leading = 0;
    let subscribers = 0;
    for (const watcher of this.#watchers.values()) {
      leading += watcher.leading ? 1 : 0;
      subscribers += watcher.subscribers;
    }

    return { watchers: this.#watchers.size, leading, subscribers };
  }

  /**
   * Ends every open subscription with `SHUTTING_DOWN` (so a client subscribes again, to
   * another instance, instead of taking the end for `ready`) and stops every watcher.
   */
  async close(): Promise<void> {
    for (const shutDown of [...this.#open]) {
      shutDown();
    }

    for (const watcher of [...this.#watchers.values()]) {
      watcher.stop();
    }

    await this.#bus.close();
  }

  /** The answer for a user found ready lately: no probe, only the login check when asked. */
  async #readyAgain(
    token: string,
    status: SyncStatus,
    options: SyncSubscribeOptions,
  ): Promise<SyncEvent> {
    const { source } = this.#options;
    if (options.userId !== undefined) {
      const call = { token, signal: options.signal, freshness: 'no-cache' } as const;
      const failure = await checkProfile(source, call, options.userId);
      if (failure !== undefined) {
        return { kind: 'failed', failure };
      }
    }

    return syncEvent(source, token, { kind: 'ready', status });
  }

  #join(token: string, sink: SyncSink): Watcher {
    const hash = this.#hash(token);
    let watcher = this.#watchers.get(hash);
    if (watcher === undefined) {
      const options = this.#options;
      watcher = new Watcher({
        hash,
        token,
        source: options.source,
        bus: this.#bus,
        logger: options.logger,
        instanceId: this.instanceId,
        backoff: {
          minMs: options.pollMinMs ?? DEFAULT_POLL_MIN_MS,
          maxMs: options.pollMaxMs ?? DEFAULT_POLL_MAX_MS,
          jitter: options.pollJitter ?? DEFAULT_POLL_JITTER,
        },
        lockTtlMs: options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS,
        random: options.random ?? Math.random,
        now: options.now ?? Date.now,
        onReady: (status) => this.#ready.set(hash, status),
        onStopped: (stopped) => {
          if (this.#watchers.get(stopped.hash) === stopped) {
            this.#watchers.delete(stopped.hash);
          }
        },
      });
      this.#watchers.set(hash, watcher);
      watcher.add(sink);
      watcher.start();

      return watcher;
    }

    watcher.add(sink);

    return watcher;
  }
}

/** The last event of subscriptions still open when the service closes. */
const SHUTTING_DOWN: SyncEvent = {
  kind: 'failed',
  failure: {
    code: 'SHUTTING_DOWN',
    message: 'This gateway instance is shutting down; subscribe again.',
    retryAfter: 1,
  },
};

function notReadyInTime(limitMs: number): SyncEvent {
  const minutes = Math.round(limitMs / 60_000);
  const waited = minutes >= 1 ? `${minutes} minutes` : `${Math.round(limitMs / 1000)} seconds`;

  return {
    kind: 'failed',
    failure: {
      code: 'DATA_UNAVAILABLE',
      message: `Pelm was still loading this user's data after ${waited}; subscribe again later.`,
      retryAfter: 60,
    },
  };
}
