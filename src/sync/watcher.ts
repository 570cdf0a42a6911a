import { createLoaders, type Loaders } from '../loaders.js';
import type { Logger } from '../logger.js';
import type { PelmCallOptions, PelmSource } from '../pelm/source.js';
import type { PelmAccount } from '../pelm/types.js';
import { pollDelayMs, type PollBackoff } from './backoff.js';
import { classify, SyncProbe, type SyncFailure, type SyncStatus } from './probe.js';
import type { SyncBus, SyncMessage } from './pubsub.js';

/** What a watcher hands its subscribers. One object per event, shared by all of them. */
export type SyncEvent =
  | {
      kind: 'status' | 'ready';
      status: SyncStatus;
      /**
       * Fresh loaders for the event's payload (`dataReady { user { … } }`), made on first use
       * and shared by every subscriber of this instance, so a thousand subscribers selecting
       * the accounts cost one upstream call, not a thousand.
       */
      loaders: () => Loaders;
    }
  | { kind: 'failed'; failure: SyncFailure };

/** One subscriber, as its watcher sees it. */
export interface SyncSink {
  deliver(event: SyncEvent): void;
}

export interface WatcherOptions {
  /** Keyed hash of the token: the watcher's name in topics and locks. */
  hash: string;
  token: string;
  source: PelmSource;
  bus: SyncBus;
  logger: Logger;
  /** This instance's id, the lock owner and the `from` of its messages. */
  instanceId: string;
  backoff: PollBackoff;
  /** Time to live of the poll-loop lock; renewed every third of it while polling. */
  lockTtlMs: number;
  random: () => number;
  now: () => number;
  /** Called once when the watcher stops, so its registry forgets it. */
  onStopped(watcher: Watcher): void;
  /** Called when the user's data is found ready, here or by the leading instance. */
  onReady(status: SyncStatus): void;
}

type Role = 'starting' | 'leader' | 'follower' | 'stopped';

/** Topic name: a keyed hash of the token, never the token. */
export const syncTopic = (hash: string) => `pelm-graphql:sync:events:${hash}`;
/** Lock name: a keyed hash of the token, never the token. */
export const syncLockName = (hash: string) => `pelm-graphql:sync:lock:${hash}`;

/**
 * The sync watcher of one user (one token) on this instance. It lives while it has
 * subscribers. With the lock it leads: it runs the one poll loop for the user and publishes
 * what it learns. Without the lock it follows: it relays what the leader publishes and tries
 * the lock again every third of its time to live, so when the leading instance dies, this one
 * takes over within the lock's time to live and a third.
 */
export class Watcher {
  readonly hash: string;
  readonly #options: WatcherOptions;
  readonly #sinks = new Set<SyncSink>();
  readonly #probe: SyncProbe;
  /** Cancels upstream calls in flight when the watcher stops. */
  readonly #abort = new AbortController();
  /**
   * Cancels profile checks once no subscriber waits for them. Separate from `#abort`: the
   * watcher stops as soon as it finds the data ready, and a subscriber may still need to hear
   * that its login is broken before it is told the data is there.
   */
  readonly #profileAbort = new AbortController();
  readonly #profiles = new Map<string, Promise<SyncFailure | undefined>>();
  #role: Role = 'starting';
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #unlisten: (() => void) | undefined;
  #attempt = 0;
  #last: SyncStatus | undefined;
  #failure: SyncFailure | undefined;
  #polling: Promise<void> | undefined;
  /** Epoch ms before which Pelm asked not to be called again (`Retry-After`). */
  #quietUntil = 0;
  /** The answer that asked for that quiet, for a query that finds no status to return. */
  #throttled: unknown;

  constructor(options: WatcherOptions) {
    this.hash = options.hash;
    this.#options = options;
    this.#probe = new SyncProbe(options.source, options.now);
  }

  get subscribers(): number {
    return this.#sinks.size;
  }

  get leading(): boolean {
    return this.#role === 'leader';
  }

  get stopped(): boolean {
    return this.#role === 'stopped';
  }

  /** The latest status this instance knows, probed here or published by the leader. */
  get lastStatus(): SyncStatus | undefined {
    return this.#last;
  }

  /** Listens to the user's topic, then competes for the poll loop. */
  start(): void {
    const { bus } = this.#options;
    bus
      .listen(syncTopic(this.hash), (message) => this.#onMessage(message))
      .then(
        (unlisten) => {
          if (this.stopped) {
            unlisten();

            return;
          }

          this.#unlisten = unlisten;
          void this.#tryLead();
        },
        (error: unknown) => this.#options.logger.warn({ err: error }, 'sync: cannot listen'),
      );
  }

  add(sink: SyncSink): void {
    this.#sinks.add(sink);
  }

  /** Removes a subscriber; the last one to leave stops the watcher and its poll loop. */
  remove(sink: SyncSink): void {
    if (this.#sinks.delete(sink) && this.#sinks.size === 0) {
      this.#profileAbort.abort();
      this.stop();
    }
  }

  /**
   * For a query asking for the status: a leader probes now unless its last probe is younger
   * than the shortest poll pause or Pelm's `Retry-After` still runs; a follower answers what
   * the leader last published.
   */
  async wake(): Promise<SyncStatus | SyncFailure | undefined> {
    const last = this.#last;
    const now = this.#options.now();
    const stale = last === undefined || now - last.checkedAt >= this.#options.backoff.minMs;
    if (now < this.#quietUntil && last === undefined) {
      throw this.#throttled;
    }

    if (this.leading && stale && now >= this.#quietUntil) {
      await this.#pollNow();
    }

    return this.#failure ?? this.#last;
  }

  /**
   * Whether the utility login of `userId` still works: `REAUTH_REQUIRED` when Pelm says its
   * credentials are invalid. Asked once per user id while the watcher lives; a passing upstream
   * fault lets the subscriber through rather than failing it.
   */
  profile(userId: string): Promise<SyncFailure | undefined> {
    let check = this.#profiles.get(userId);
    if (check === undefined) {
      check = checkProfile(
        this.#options.source,
        {
          token: this.#options.token,
          signal: this.#profileAbort.signal,
          freshness: 'no-cache',
        },
        userId,
      );
      this.#profiles.set(userId, check);
    }

    return check;
  }

  stop(): void {
    if (this.stopped) {
      return;
    }

    const wasLeading = this.leading;
    this.#role = 'stopped';
    clearTimeout(this.#timer);
    clearInterval(this.#renewTimer);
    this.#abort.abort();
    this.#unlisten?.();
    if (wasLeading) {
      const { instanceId } = this.#options;
      const { lock } = this.#options.bus;
      lock.release(syncLockName(this.hash), instanceId).catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'sync: cannot release the poll-loop lock');
      });
    }

    this.#options.logger.debug({ watcher: this.hash, leading: wasLeading }, 'sync watcher stopped');
    this.#options.onStopped(this);
  }

  async #tryLead(): Promise<void> {
    this.#timer = undefined;
    const { instanceId, lockTtlMs, logger } = this.#options;
    const { lock } = this.#options.bus;
    let acquired = false;
    try {
      acquired = await lock.acquire(syncLockName(this.hash), instanceId, lockTtlMs);
    } catch (error) {
      logger.warn({ err: error }, 'sync: cannot reach the poll-loop lock; trying again');
    }

    if (this.stopped) {
      if (acquired) {
        await lock.release(syncLockName(this.hash), instanceId).catch(() => undefined);
      }

      return;
    }

    if (!acquired) {
      this.#role = 'follower';
      this.#timer = setTimeout(() => void this.#tryLead(), Math.ceil(lockTtlMs / 3));

      return;
    }

    this.#role = 'leader';
    logger.debug({ watcher: this.hash }, 'sync watcher leads the poll loop');
    if (lock.shared) {
      this.#renewTimer = setInterval(() => void this.#renew(), Math.ceil(lockTtlMs / 3));
    }

    void this.#pollNow();
  }

  async #renew(): Promise<void> {
    const { instanceId, lockTtlMs, logger } = this.#options;
    const { lock } = this.#options.bus;
    let held = true;
    try {
      held = await lock.renew(syncLockName(this.hash), instanceId, lockTtlMs);
    } catch (error) {
      // Redis unreachable: keep polling; if the hold expired meanwhile, the next renewal says so.
      logger.warn({ err: error }, 'sync: cannot renew the poll-loop lock');
    }

    if (!held && this.leading) {
      logger.warn({ watcher: this.hash }, 'sync: another instance took the poll loop over');
      this.#role = 'follower';
      clearInterval(this.#renewTimer);
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#tryLead(), Math.ceil(lockTtlMs / 3));
    }
  }

  #pollNow(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });

    return this.#polling;
  }

  async #poll(): Promise<void> {
    const outcome = await this.#probe.probe({
      token: this.#options.token,
      signal: this.#abort.signal,
    });
    if (!this.leading) {
      return;
    }

    if (outcome.kind === 'failed') {
      this.#finish({ kind: 'failed', failure: outcome.failure }, undefined);

      return;
    }

    if (outcome.kind === 'transient') {
      this.#attempt += 1;
      const delayMs = Math.max(this.#delayMs(), outcome.retryAfterMs ?? 0);
      this.#quietUntil = this.#options.now() + (outcome.retryAfterMs ?? 0);
      this.#throttled = outcome.error;
      this.#options.logger.debug({ watcher: this.hash, delayMs }, 'sync probe failed; waiting');
      this.#schedule(delayMs);

      return;
    }

    const { status } = outcome;
    if (status.ready) {
      this.#finish({ kind: 'ready', status }, outcome.accounts);

      return;
    }

    const changed = !sameStates(this.#last, status);
    this.#last = status;
    this.#attempt = changed ? 0 : this.#attempt + 1;
    if (changed) {
      this.#publish({ kind: 'status', status });
      this.#deliver(this.#event({ kind: 'status', status }, outcome.accounts));
    }

    this.#schedule(this.#delayMs());
  }

  #delayMs(): number {
    return pollDelayMs(this.#attempt, this.#options.backoff, this.#options.random);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#pollNow(), delayMs);
  }

  /** The last word on this user: tell everyone, stop, and let subscribers end. */
  #finish(
    message: { kind: 'ready'; status: SyncStatus } | { kind: 'failed'; failure: SyncFailure },
    accounts: PelmAccount[] | undefined,
  ): void {
    this.#publish(message);
    this.#apply(message);
    // Stopped before delivering, so a subscriber arriving after this event starts a new watcher.
    this.stop();
    this.#deliver(this.#event(message, accounts));
  }

  #publish(message: { kind: 'status' | 'ready'; status: SyncStatus } | FailedBody): void {
    const from = this.#options.instanceId;
    this.#options.bus.publish(syncTopic(this.hash), { ...message, from } as SyncMessage);
  }

  #onMessage(message: SyncMessage): void {
    // Our own messages were delivered directly, with the data of the probe.
    if (message.from === this.#options.instanceId || this.stopped) {
      return;
    }

    this.#apply(message);
    if (message.kind === 'status') {
      this.#deliver(this.#event(message, undefined));

      return;
    }

    this.stop();
    this.#deliver(this.#event(message, undefined));
  }

  #apply(message: { kind: 'status' | 'ready'; status: SyncStatus } | FailedBody): void {
    if (message.kind === 'failed') {
      this.#failure = message.failure;

      return;
    }

    this.#last = message.status;
    if (message.kind === 'ready') {
      this.#options.onReady(message.status);
    }
  }

  #event(
    message: { kind: 'status' | 'ready'; status: SyncStatus } | FailedBody,
    accounts: PelmAccount[] | undefined,
  ): SyncEvent {
    return message.kind === 'failed'
      ? { kind: 'failed', failure: message.failure }
      : syncEvent(this.#options.source, this.#options.token, message, accounts);
  }

  #deliver(event: SyncEvent): void {
    for (const sink of [...this.#sinks]) {
      sink.deliver(event);
    }
  }
}

type FailedBody = { kind: 'failed'; failure: SyncFailure };

function sameStates(a: SyncStatus | undefined, b: SyncStatus): boolean {
  return (
    a !== undefined &&
    a.accounts === b.accounts &&
    a.bills === b.bills &&
    a.intervals === b.intervals
  );
}

/**
 * The source for an event's payload, answering `GET /accounts` with what the probe that found
 * the user ready has just read: fresh, and one upstream call saved.
 */
function withAccounts(source: PelmSource, accounts: PelmAccount[] | undefined): PelmSource {
  if (accounts === undefined) {
    return source;
  }

  return {
    getAccounts: () => Promise.resolve(accounts),
    getBills: (call, query) => source.getBills(call, query),
    getIntervals: (call, query) => source.getIntervals(call, query),
    getUser: (call, userId) => source.getUser(call, userId),
  };
}

/**
 * A status or ready event for subscribers. Its loaders are made on first use, fresh, and
 * without a signal: the watcher stops right after its last event, while subscribers may still
 * be resolving that event's payload.
 */
export function syncEvent(
  source: PelmSource,
  token: string,
  message: { kind: 'status' | 'ready'; status: SyncStatus },
  accounts?: PelmAccount[],
): SyncEvent {
  let loaders: Loaders | undefined;
  const primed = withAccounts(source, accounts);

  return {
    kind: message.kind,
    status: message.status,
    loaders: () => (loaders ??= createLoaders(primed, { token, freshness: 'no-cache' })),
  };
}

const REAUTH_REQUIRED: SyncFailure = {
  code: 'REAUTH_REQUIRED',
  message:
    'The utility login of this user stopped working (typically a changed password); the user ' +
    'must reconnect it through Pelm Connect before new data can arrive.',
};

/**
 * Whether the utility login of `userId` still works: `REAUTH_REQUIRED` when Pelm says its
 * credentials are invalid, the failure when Pelm rejects the token or the id. A passing upstream
 * fault lets the subscriber through rather than failing it on a guess.
 */
export async function checkProfile(
  source: PelmSource,
  call: PelmCallOptions,
  userId: string,
): Promise<SyncFailure | undefined> {
  try {
    const user = await source.getUser(call, userId);

    return user.credentialsValid === false ? REAUTH_REQUIRED : undefined;
  } catch (error) {
    const answer = classify(error);

    return typeof answer === 'object' && 'failure' in answer ? answer.failure : undefined;
  }
}
