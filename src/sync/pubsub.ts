import { Redis } from 'ioredis';

import type { Logger } from '../logger.js';
import { createMemoryLock, createRedisLock, type SyncLock } from './lock.js';
import type { SyncFailure, SyncStatus } from './probe.js';

/**
 * What the instance running a user's poll loop tells every instance with subscribers for that
 * user. Plain JSON, and never a token or any of the user's data: only sync states travel.
 */
export type SyncMessage =
  | { kind: 'status' | 'ready'; status: SyncStatus; from: string }
  | { kind: 'failed'; failure: SyncFailure; from: string };

export type SyncListener = (message: SyncMessage) => void;

/** Topics and a lock shared by the sync service of every instance. */
export interface SyncBus {
  lock: SyncLock;
  /** Sends `message` to the listeners of `topic` on every instance, this one included. */
  publish(topic: string, message: SyncMessage): void;
  /**
   * Adds a listener; resolves once messages published from then on will reach it. Returns the
   * function that removes it.
   */
  listen(topic: string, listener: SyncListener): Promise<() => void>;
  close(): Promise<void>;
}

/** Listeners by topic, shared by both buses. */
class Topics {
  readonly #listeners = new Map<string, Set<SyncListener>>();

  /** Adds a listener; true when it is the topic's first. */
  add(topic: string, listener: SyncListener): boolean {
    const listeners = this.#listeners.get(topic);
    if (listeners !== undefined) {
      listeners.add(listener);

      return false;
    }

    this.#listeners.set(topic, new Set([listener]));

    return true;
  }

  /** Removes a listener; true when the topic has none left. */
  remove(topic: string, listener: SyncListener): boolean {
    const listeners = this.#listeners.get(topic);
    if (listeners === undefined || !listeners.delete(listener)) {
      return false;
    }

    if (listeners.size > 0) {
      return false;
    }

    this.#listeners.delete(topic);

    return true;
  }

  deliver(topic: string, message: SyncMessage): void {
    for (const listener of [...(this.#listeners.get(topic) ?? [])]) {
      listener(message);
    }
  }
}

/**
 * Everything in this process: one gateway instance. `sharedLock` makes the lock behave like
 * Redis's (expiring holds), for tests that run several sync services in one process.
 */
export function createMemorySyncBus(options: { sharedLock?: boolean } = {}): SyncBus {
  const topics = new Topics();

  return {
    lock: createMemoryLock({ shared: options.sharedLock ?? false }),
    publish(topic, message) {
      // Delivered after the publisher's own step, as Redis would, so no listener runs inside it.
      queueMicrotask(() => topics.deliver(topic, message));
    },
    listen(topic, listener) {
      topics.add(topic, listener);

      return Promise.resolve(() => {
        topics.remove(topic, listener);
      });
    },
    close: () => Promise.resolve(),
  };
}

export interface RedisSyncBusOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  logger: Logger;
  /** Time allowed to connect at start. @default 5_000 */
  connectTimeoutMs?: number;
}

/**
 * Topics and the lock in Redis: one connection for commands and publishing, one in subscriber
 * mode. Written over ioredis directly rather than through Yoga's Redis event target, because the
 * watcher needs to know when a subscription is in place (an event published before that would
 * be lost) and Redis failures must be logged, not left as unhandled rejections.
 */
export async function connectRedisSyncBus(options: RedisSyncBusOptions): Promise<SyncBus> {
  const { logger } = options;
  const redisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    // A command waits through a short outage, then fails and is logged, instead of piling up.
    maxRetriesPerRequest: 3,
  };
  const commands = new Redis(options.url, { ...redisOptions, connectionName: 'pelm-graphql' });
  const subscriber = new Redis(options.url, {
    ...redisOptions,
    connectionName: 'pelm-graphql-sub',
  });
  for (const connection of [commands, subscriber]) {
    connection.on('error', (error: unknown) => logger.warn({ err: error }, 'redis error'));
  }

  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (error) {
    commands.disconnect();
    subscriber.disconnect();
    throw error;
  }

  const topics = new Topics();
  subscriber.on('message', (topic: string, text: string) => {
    const message = parseMessage(text);
    if (message === undefined) {
      logger.warn({ topic }, 'ignored a sync message that is not ours');

      return;
    }

    topics.deliver(topic, message);
  });

  return {
    lock: createRedisLock(commands),
    publish(topic, message) {
      commands.publish(topic, JSON.stringify(message)).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not publish a sync event');
      });
    },
    async listen(topic, listener) {
      // Redis runs one connection's commands in order, so a SUBSCRIBE sent after an UNSUBSCRIBE
      // of the same topic always wins; no bookkeeping of pending calls is needed.
      if (topics.add(topic, listener)) {
        await subscriber.subscribe(topic).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not subscribe to sync events');
        });
      }

      return () => {
        if (topics.remove(topic, listener)) {
          subscriber.unsubscribe(topic).catch((error: unknown) => {
            logger.warn({ err: error }, 'could not unsubscribe from sync events');
          });
        }
      };
    },
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}

function parseMessage(text: string): SyncMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'kind' in value && 'from' in value) {
      return value as SyncMessage;
    }
  } catch {
    // Not JSON: someone else's message on our channel.
  }

  return undefined;
}
