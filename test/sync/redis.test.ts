import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';

import { createClient as createWsClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { loadConfig } from '../../src/config.js';
import { createSilentLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import type { SandboxCall } from '../../src/sandbox/sandbox-types.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { connectRedisSyncBus } from '../../src/sync/pubsub.js';
import { SyncService } from '../../src/sync/sync-service.js';
import { syncLockName, syncTopic } from '../../src/sync/watcher.js';
import { createTokenHasher } from '../../src/token-hash.js';
import { reportMeasure } from '../helpers/measure.js';
import { startProcess, type RunningProcess } from '../helpers/processes.js';
import { delay, eventually } from '../helpers/sync-stack.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const SECRET = 'test-secret-shared-by-every-instance';
const CI = process.env.CI === 'true';
const POLL_MS = 300;
const LOCK_TTL_MS = 1_500;

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();

    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * CI starts Redis (`.ci/run`), so there these tests always run and fail loudly when Redis is
 * unreachable. On a developer machine without Redis they are skipped, and say so in their name.
 */
const RUN = CI || (await redisReachable());
const SKIPPED = RUN ? '' : ' (skipped: no Redis at 127.0.0.1:6379)';

const hash = createTokenHasher(SECRET);

function accountProbes(calls: readonly SandboxCall[], token: string): SandboxCall[] {
  return calls.filter(
    (call) => call.authorization === `Bearer ${token}` && call.path === '/accounts',
  );
}

/** Shortest pause between two consecutive probes: two loops would put some almost together. */
function shortestGapMs(probes: readonly SandboxCall[]): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < probes.length; index += 1) {
    shortest = Math.min(
      shortest,
      (probes[index]?.receivedAt ?? 0) - (probes[index - 1]?.receivedAt ?? 0),
    );
  }

  return shortest;
}

describe('start-up with REDIS_URL', () => {
  it('refuses to run without TOKEN_HASH_SECRET, naming both variables', () => {
    expect(() => loadConfig({ REDIS_URL: REDIS_URL })).toThrow(
      'TOKEN_HASH_SECRET must be set when REDIS_URL is set (the same value on every instance)',
    );
    expect(loadConfig({ REDIS_URL: REDIS_URL, TOKEN_HASH_SECRET: SECRET }).redisUrl).toBe(
      REDIS_URL,
    );
  });

  it('exits with 1 and that sentence when the gateway is started that way', async () => {
    const env: Record<string, string | undefined> = { ...process.env, REDIS_URL };
    delete env['TOKEN_HASH_SECRET'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(stderr).toBe(
      'Invalid configuration:\n  - TOKEN_HASH_SECRET must be set when REDIS_URL is set (the same value on every instance)\n',
    );
  });
});

describe.runIf(RUN)(`sync watchers sharing Redis${SKIPPED}`, () => {
  let sandbox: Sandbox | undefined;
  const closers: Array<() => Promise<void>> = [];

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
    await sandbox?.close();
    sandbox = undefined;
  });

  async function instance(current: Sandbox): Promise<SyncService> {
    const logger = createSilentLogger();
    const client = new PelmClient({ baseUrl: current.url, logger });
    const bus = await connectRedisSyncBus({ url: REDIS_URL, logger });
    const sync = new SyncService({
      source: client,
      logger,
      bus,
      hashToken: hash,
      pollMinMs: POLL_MS,
      pollMaxMs: POLL_MS,
      pollJitter: 0,
      lockTtlMs: LOCK_TTL_MS,
    });
    closers.push(async () => {
      await sync.close();
      await client.close();
    });

    return sync;
  }

  it('runs one poll loop for two instances and tells the subscribers of both; lock and topic names hold only a keyed hash', async () => {
    sandbox = await startSandbox({ syncSeconds: 2 });
    const current = sandbox;
    const [first, second] = [await instance(current), await instance(current)];
    const token = `sandbox-new-redis-${randomUUID().slice(0, 8)}`;
    const received: string[] = [];
    const consume = async (sync: SyncService) => {
      for await (const event of sync.subscribe(token)) {
        received.push(event.kind);
      }
    };

    const all = Promise.all([
      ...Array.from({ length: 10 }, () => consume(first)),
      ...Array.from({ length: 10 }, () => consume(second)),
    ]);
    expect(
      await eventually(() => first.stats().leading + second.stats().leading === 1, 2_000),
    ).toBe(true);
    const names = new Redis(REDIS_URL);
    const keys = await names.keys('pelm-graphql:sync:*');
    const channels = (await names.call('PUBSUB', 'CHANNELS', 'pelm-graphql:sync:*')) as string[];
    names.disconnect();
    await all;

    expect(received).toEqual(Array.from({ length: 20 }, () => 'ready'));
    expect(keys.filter((key) => key.includes(token))).toEqual([]);
    expect(keys).toContain(syncLockName(hash(token)));
    expect(channels.filter((channel) => channel.includes(token))).toEqual([]);
    expect(channels).toContain(syncTopic(hash(token)));
    const probes = accountProbes(current.calls, token);
    const spanMs = (probes.at(-1)?.receivedAt ?? 0) - (probes[0]?.receivedAt ?? 0);
    expect(probes.length).toBeLessThanOrEqual(Math.floor(spanMs / POLL_MS) + 1);
    expect(shortestGapMs(probes)).toBeGreaterThanOrEqual(POLL_MS / 2);
  });
});

/**
 * Two gateway processes against one sandbox process and one Redis. Starting three Node
 * processes through tsx takes several seconds of both cores, so this runs in CI; the in-process
 * test above covers the same rule every day.
 */
describe.runIf(RUN && CI)(`gateway processes sharing Redis${SKIPPED}`, () => {
  const SUBSCRIBERS = 50;
  const running: RunningProcess[] = [];
  const clients: Client[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    // The killed holder has already exited; stop() waits for an exit that will not come again.
    const alive = running.filter(
      ({ child }) => child.exitCode === null && child.signalCode === null,
    );
    await Promise.all(alive.map((each) => each.stop()));
  });

  async function startAll(syncSeconds: number) {
    const sandbox = await startProcess('src/sandbox/main.ts', {
      SANDBOX_SYNC_SECONDS: String(syncSeconds),
      SANDBOX_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    running.push(sandbox);
    const env = {
      PELM_API_URL: sandbox.url,
      REDIS_URL,
      TOKEN_HASH_SECRET: SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      SYNC_POLL_MIN_MS: String(POLL_MS),
      SYNC_POLL_MAX_MS: String(POLL_MS),
      SYNC_POLL_JITTER: '0',
      SYNC_LOCK_TTL_MS: String(LOCK_TTL_MS),
    };
    const gateways = await Promise.all([
      startProcess('src/main.ts', env),
      startProcess('src/main.ts', env),
    ]);
    running.push(...gateways);

    return { sandbox, gateways };
  }

  function subscribeAll(url: string, token: string, results: unknown[][]) {
    const client = createWsClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    clients.push(client);

    return Promise.all(
      Array.from({ length: SUBSCRIBERS }, async () => {
        const events: unknown[] = [];
        results.push(events);
        for await (const result of client.iterate({
          query: 'subscription { dataReady { ready } }',
        })) {
          events.push(result);
        }
      }),
    );
  }

  async function sandboxCalls(url: string): Promise<SandboxCall[]> {
    return (await (await fetch(`${url}/_sandbox/calls`)).json()) as SandboxCall[];
  }

  it('runs one poll loop for 50 subscribers on each of two processes and tells all 100; a killed holder is taken over', async () => {
    const { sandbox, gateways } = await startAll(4);
    const [one, two] = gateways as [RunningProcess, RunningProcess];
    const redis = new Redis(REDIS_URL);

    // Part one: both processes keep their subscribers; one loop, all told.
    const shared = `sandbox-new-multi-${randomUUID().slice(0, 8)}`;
    const results: unknown[][] = [];
    await Promise.all([
      subscribeAll(one.url, shared, results),
      subscribeAll(two.url, shared, results),
    ]);
    const sharedProbes = accountProbes(await sandboxCalls(sandbox.url), shared);
    const spanMs = (sharedProbes.at(-1)?.receivedAt ?? 0) - (sharedProbes[0]?.receivedAt ?? 0);
    reportMeasure(
      `two processes: ${results.length} subscribers told, ${sharedProbes.length} GET /accounts over ${spanMs} ms (one loop: at most ${Math.floor(spanMs / POLL_MS) + 1}), shortest gap ${shortestGapMs(sharedProbes)} ms`,
    );
    expect(results).toHaveLength(2 * SUBSCRIBERS);
    expect(
      results.every(
        (events) => JSON.stringify(events) === '[{"data":{"dataReady":{"ready":true}}}]',
      ),
    ).toBe(true);
    expect(sharedProbes.length).toBeLessThanOrEqual(Math.floor(spanMs / POLL_MS) + 1);
    expect(shortestGapMs(sharedProbes)).toBeGreaterThanOrEqual(POLL_MS / 2);

    // Part two: kill the process holding the loop; the other takes over and tells its own.
    const orphaned = `sandbox-new-takeover-${randomUUID().slice(0, 8)}`;
    const lockName = syncLockName(hash(orphaned));
    const oneResults: unknown[][] = [];
    const twoResults: unknown[][] = [];
    const oneDone = subscribeAll(one.url, orphaned, oneResults).catch(() => undefined);
    const twoDone = subscribeAll(two.url, orphaned, twoResults).catch(() => undefined);
    // Both processes have subscribers by now and one of them polls.
    await delay(1_000);
    const holder = await redis.get(lockName);
    const holderPid = Number(holder?.split(':')[1]);
    const [victim, survivorResults, survivorDone] =
      holderPid === one.child.pid ? [one, twoResults, twoDone] : [two, oneResults, oneDone];
    expect([one.child.pid, two.child.pid]).toContain(holderPid);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    let takenOverAt = 0;
    while (Date.now() - killedAt < 3 * LOCK_TTL_MS) {
      const now = await redis.get(lockName);
      if (now !== null && now !== holder) {
        takenOverAt = Date.now();
        break;
      }

      await delay(25);
    }

    await survivorDone;
    redis.disconnect();
    const takeoverMs = takenOverAt - killedAt;
    reportMeasure(
      `takeover ${takeoverMs} ms after SIGKILL of the holder (lock TTL ${LOCK_TTL_MS} ms)`,
    );
    expect(takenOverAt).toBeGreaterThan(0);
    expect(takeoverMs).toBeLessThanOrEqual(LOCK_TTL_MS + LOCK_TTL_MS / 3 + 500);
    expect(survivorResults).toHaveLength(SUBSCRIBERS);
    expect(
      survivorResults.every(
        (events) => JSON.stringify(events) === '[{"data":{"dataReady":{"ready":true}}}]',
      ),
    ).toBe(true);
  }, 90_000);
});
