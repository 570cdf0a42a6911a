import { createGateway } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { securityFromConfig } from './security/security-from-config.js';
import { createCachingSource } from './pelm/cache.js';
import { PelmClient } from './pelm/client.js';
import type { PelmSource } from './pelm/source.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';
import { startServer } from './server.js';
import { connectRedisSyncBus, createMemorySyncBus } from './sync/pubsub.js';
import { SyncService } from './sync/sync-service.js';
import { createTokenHasher } from './token-hash.js';

/** Time the last `dataReady` events get to reach WebSocket clients before sockets close. */
const SHUTDOWN_DRAIN_MS = 250;

/** The token GraphiQL is opened with in sandbox mode: one PG&E login with three houses. */
const SANDBOX_DEMO_TOKEN = 'sandbox-bob';

/**
 * Starts the gateway: config, then the embedded sandbox when no Pelm URL is configured, then
 * the HTTP server. SIGINT/SIGTERM close everything in reverse order.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }

    throw error;
  }

  const logger = createLogger({ level: config.logLevel });

  const sandbox =
    config.pelmApiUrl === undefined ? await startEmbeddedSandbox(config, logger) : null;
  const pelmUrl = config.pelmApiUrl ?? (sandbox as Sandbox).url;
  const client = new PelmClient({
    baseUrl: pelmUrl,
    clientId: config.pelmClientId,
    secret: config.pelmSecret,
    connectTimeoutMs: config.pelmConnectTimeoutMs,
    headersTimeoutMs: config.pelmHeadersTimeoutMs,
    bodyTimeoutMs: config.pelmBodyTimeoutMs,
    connections: config.pelmConnections,
    retry: config.pelmRetry,
    breaker: config.pelmBreaker,
    logger: logger.child({ component: 'pelm' }),
  });
  // The sync watcher reads through the cache too: its fresh probes refill it for everyone.
  const source = createUpstreamSource(config, client, logger);
  const sync = await createSyncService(config, source, logger);
  const gateway = createGateway({
    source,
    requestDeadlineMs: config.requestDeadlineMs,
    sync,
    logger,
    production: config.nodeEnv === 'production',
    graphiqlHeaders:
      sandbox === null ? undefined : { Authorization: `Bearer ${SANDBOX_DEMO_TOKEN}` },
    security: securityFromConfig(config),
  });

  const server = await startServer({
    gateway,
    port: config.port,
    host: config.host,
    maxMessageBytes: config.graphqlMaxBodyBytes,
  });
  const { url } = server;
  logger.info(
    { event: 'listening', url, upstream: sandbox === null ? pelmUrl : 'embedded sandbox' },
    config.graphiql
      ? `pelm-graphql ready: open GraphiQL at ${url}`
      : `pelm-graphql ready at ${url} (GraphiQL is off)`,
  );

  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    // Subscriptions end first, with SHUTTING_DOWN, so their clients subscribe again elsewhere.
    // SSE streams finish within the server's grace; graphql-ws sockets are closed at once, so
    // the last events get a moment to be written first.
    await sync.close();
    await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_DRAIN_MS));
    // Queries still running get until their own deadline to answer (UPSTREAM_TIMEOUT at worst)
    // rather than a connection closed under them.
    await server.close(config.requestDeadlineMs + 1_000);
    await client.close();
    await sandbox?.close();
    process.exit(0);
  };

  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
}

/** The Pelm client behind the cross-request cache, or alone when `CACHE_MAX_ENTRIES` is 0. */
function createUpstreamSource(config: Config, client: PelmClient, logger: Logger): PelmSource {
  if (config.cache.maxEntries === 0) {
    logger.info('cache off: every request asks Pelm itself (CACHE_MAX_ENTRIES=0)');

    return client;
  }

  return createCachingSource(client, {
    ...config.cache,
    tokenHasher: createTokenHasher(config.tokenHashSecret),
    logger: logger.child({ component: 'cache' }),
  });
}

/** The sync watchers: in this process, or across instances through Redis when configured. */
async function createSyncService(
  config: Config,
  source: PelmSource,
  logger: Logger,
): Promise<SyncService> {
  const syncLogger = logger.child({ component: 'sync' });
  const bus =
    config.redisUrl === undefined
      ? createMemorySyncBus()
      : await connectRedisSyncBus({ url: config.redisUrl, logger: syncLogger }).catch(
          (error: unknown) => {
            logger.fatal({ err: error }, 'cannot connect to REDIS_URL');
            process.exit(1);
          },
        );
  logger.info(
    { redis: config.redisUrl !== undefined },
    config.redisUrl === undefined
      ? 'dataReady: one poll loop per user in this process'
      : 'dataReady: events and poll-loop locks in Redis, shared with the other instances',
  );

  return new SyncService({
    source,
    logger: syncLogger,
    bus,
    hashToken: createTokenHasher(config.tokenHashSecret),
    pollMinMs: config.syncPollMinMs,
    pollMaxMs: config.syncPollMaxMs,
    pollJitter: config.syncPollJitter,
    readyLimitMs: config.syncReadyLimitMs,
    lockTtlMs: config.syncLockTtlMs,
  });
}

async function startEmbeddedSandbox(config: Config, logger: Logger): Promise<Sandbox> {
  const sandbox = await startSandbox({
    port: config.sandboxPort,
    host: '127.0.0.1',
    syncSeconds: config.sandboxSyncSeconds,
    ...(config.sandboxNow === undefined ? {} : { now: config.sandboxNow }),
    logger: logger.child({ component: 'sandbox' }),
  });
  logger.info(
    { sandbox: sandbox.url },
    'no PELM_API_URL set: serving the embedded Pelm sandbox (demo tokens in the README)',
  );

  return sandbox;
}

main().catch((error: unknown) => {
  // A port taken, a host that does not resolve, a sandbox port in use: one line, no stack.
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `pelm-graphql could not start: ${reason}${typeof code === 'string' ? ` (${code})` : ''}\n`,
  );
  process.exit(1);
});
