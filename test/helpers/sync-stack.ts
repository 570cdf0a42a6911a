import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { createCachingSource, type CachingSourceOptions } from '../../src/pelm/cache.js';
import { PelmClient } from '../../src/pelm/client.js';
import type { PelmSource } from '../../src/pelm/source.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { startServer, type GatewayServer } from '../../src/server.js';
import type { SyncBus } from '../../src/sync/pubsub.js';
import { SyncService, type SyncServiceOptions } from '../../src/sync/sync-service.js';

/** The data routes a sync probe reads; everything else a test does is not a probe. */
const PROBE_PATHS = new Set(['/accounts', '/bills', '/intervals']);

/** The two subscription transports, each through its official client. */
export type Transport = 'graphql-sse' | 'graphql-ws';

/** One result of a subscription, as both clients deliver it. */
export interface SubscriptionResult {
  data?: Record<string, unknown> | null | undefined;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> | undefined }>;
}

export interface SyncStackOptions {
  sandbox?: SandboxOptions;
  /** Upstream other than the sandbox (a fake Pelm); the sandbox still starts but is unused. */
  upstreamUrl?: string;
  sync?: Partial<Omit<SyncServiceOptions, 'source' | 'logger'>>;
  /** Puts the cross-request cache in front of the client, as `main` does. */
  cache?: CachingSourceOptions;
  bus?: SyncBus;
}

/** A sandbox, a Pelm client, a sync service and the real HTTP + WebSocket server on port 0. */
export interface SyncStack {
  sandbox: Sandbox;
  client: PelmClient;
  sync: SyncService;
  gateway: Gateway;
  server: GatewayServer;
  /** `http://localhost:<port>/graphql`. */
  url: string;
  /** `ws://localhost:<port>/graphql`. */
  wsUrl: string;
  /** Sandbox calls to the data routes made with `token`. */
  probes(token: string): number;
  sse(token: string | null): SseClient;
  /** `keepOpen`: the socket stays open while no subscription runs (not lazy). */
  ws(token: string | null, extra?: { url?: string; keepOpen?: boolean }): WsClient;
  /** Subscribes with a new client of `transport` and yields the results. */
  iterate(
    transport: Transport,
    token: string | null,
    query: string,
  ): AsyncIterable<SubscriptionResult>;
  close(): Promise<void>;
}

/** Fixed polling for tests: `intervalMs` between probes, no backoff growth, no jitter. */
export function fixedPolling(intervalMs: number) {
  return { pollMinMs: intervalMs, pollMaxMs: intervalMs, pollJitter: 0 };
}

export async function startSyncStack(options: SyncStackOptions = {}): Promise<SyncStack> {
  const sandbox = await startSandbox(options.sandbox ?? {});
  const logger = createSilentLogger();
  const client = new PelmClient({ baseUrl: options.upstreamUrl ?? sandbox.url, logger });
  const source: PelmSource =
    options.cache === undefined ? client : createCachingSource(client, options.cache);
  const sync = new SyncService({ source, logger, bus: options.bus, ...options.sync });
  const gateway = createGateway({ source, logger, sync });
  const server = await startServer({ gateway, port: 0, host: '127.0.0.1' });
  const url = server.url;
  const wsUrl = url.replace(/^http/, 'ws');
  const clients: Array<{ dispose(): void | Promise<void> }> = [];
  const stack: SyncStack = {
    sandbox,
    client,
    sync,
    gateway,
    server,
    url,
    wsUrl,
    probes: (token) =>
      sandbox.calls.filter(
        (call) => call.authorization === `Bearer ${token}` && PROBE_PATHS.has(call.path),
      ).length,
    sse(token) {
      const sse = createSseClient({
        url,
        retryAttempts: 0,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      });
      clients.push(sse);

      return sse;
    },
    ws(token, extra = {}) {
      const ws = createWsClient({
        url: extra.url ?? wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: extra.keepOpen !== true,
        connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
      });
      clients.push(ws);

      return ws;
    },
    iterate(transport, token, query) {
      const client = transport === 'graphql-sse' ? stack.sse(token) : stack.ws(token);

      return client.iterate({ query }) as AsyncIterable<SubscriptionResult>;
    },
    async close() {
      await Promise.all(clients.map((each) => each.dispose()));
      await sync.close();
      await server.close(0);
      await client.close();
      await sandbox.close();
    },
  };

  return stack;
}

/**
 * Reads an iterator to its end, with each result's arrival: ms since `startedAt`, and epoch ms
 * to compare with the sandbox's call log.
 */
export async function collect<T>(
  iterator: AsyncIterable<T>,
  startedAt = performance.now(),
): Promise<Array<{ value: T; atMs: number; epochMs: number }>> {
  const results: Array<{ value: T; atMs: number; epochMs: number }> = [];
  for await (const value of iterator) {
    results.push({ value, atMs: performance.now() - startedAt, epochMs: Date.now() });
  }

  return results;
}

/** Polls `check` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (check()) {
      return true;
    }

    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  return check();
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
