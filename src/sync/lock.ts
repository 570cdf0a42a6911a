import type { Redis } from 'ioredis';

/**
 * Who runs the poll loop of a user. Exactly one owner holds a name until it releases it or its
 * time to live runs out; a holder that stops renewing (its process died) loses it by itself.
 */
export interface SyncLock {
  /**
   * Whether other instances compete for the same names. A lock that is not shared never
   * expires and needs no renewal, so a single instance runs no renewal timers.
   */
  readonly shared: boolean;
  /** True when `owner` holds `name` afterwards, newly taken or already its own. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends `owner`'s hold; false when it no longer holds `name` (another instance does). */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if `owner` holds it; another owner's hold is left alone. */
  release(name: string, owner: string): Promise<void>;
}

interface Hold {
  owner: string;
  expiresAtMs: number;
}

/**
 * A lock inside one process. With `shared: false` (one gateway instance) holds never expire.
 * With `shared: true` it behaves like the Redis lock, so tests can run several instances of the
 * sync service in one process, takeover included, without Redis.
 */
export function createMemoryLock(options: { shared?: boolean; now?: () => number } = {}): SyncLock {
  const shared = options.shared ?? false;
  const now = options.now ?? Date.now;
  const holds = new Map<string, Hold>();
  const current = (name: string) => {
    const hold = holds.get(name);
    if (hold !== undefined && shared && hold.expiresAtMs <= now()) {
      holds.delete(name);

      return undefined;
    }

    return hold;
  };

  return {
    shared,
    acquire(name, owner, ttlMs) {
      const hold = current(name);
      if (hold !== undefined && hold.owner !== owner) {
        return Promise.resolve(false);
      }

      holds.set(name, { owner, expiresAtMs: now() + ttlMs });

      return Promise.resolve(true);
    },
    renew(name, owner, ttlMs) {
      const hold = current(name);
      if (hold?.owner !== owner) {
        return Promise.resolve(false);
      }

      hold.expiresAtMs = now() + ttlMs;

      return Promise.resolve(true);
    },
    release(name, owner) {
      if (current(name)?.owner === owner) {
        holds.delete(name);
      }

      return Promise.resolve();
    },
  };
}

/** Extends the hold only when the caller still owns it, in one step on the Redis side. */
const RENEW_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the hold only when the caller still owns it, in one step on the Redis side. */
const RELEASE_SCRIPT = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

/**
 * A lock in Redis: `SET NX PX` takes it, and the owner's id as the value lets only the owner
 * renew or release it. An instance that dies stops renewing and its hold expires after `ttlMs`.
 */
export function createRedisLock(redis: Redis): SyncLock {
  return {
    shared: true,
    async acquire(name, owner, ttlMs) {
      const taken = await redis.set(name, owner, 'PX', ttlMs, 'NX');
      if (taken === 'OK') {
        return true;
      }

      // Already ours (an earlier acquire whose answer was slow, or a renewal that raced).
      const renewed = await redis.eval(RENEW_SCRIPT, 1, name, owner, String(ttlMs));

      return renewed === 1;
    },
    async renew(name, owner, ttlMs) {
      return (await redis.eval(RENEW_SCRIPT, 1, name, owner, String(ttlMs))) === 1;
    },
    async release(name, owner) {
      await redis.eval(RELEASE_SCRIPT, 1, name, owner);
    },
  };
}
