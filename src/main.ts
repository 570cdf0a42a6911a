import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createGateway } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { PelmClient } from './pelm/client.js';
import { startSandbox, type Sandbox } from './sandbox/server.js';

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
    logger: logger.child({ component: 'pelm' }),
  });
  const gateway = createGateway({
    source: client,
    logger,
    production: config.nodeEnv === 'production',
    graphiqlHeaders:
      sandbox === null ? undefined : { Authorization: `Bearer ${SANDBOX_DEMO_TOKEN}` },
  });

  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}${gateway.graphqlEndpoint}`;
  logger.info(
    { event: 'listening', url, upstream: sandbox === null ? pelmUrl : 'embedded sandbox' },
    `pelm-graphql ready: open GraphiQL at ${url}`,
  );

  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.close();
    await sandbox?.close();
    process.exit(0);
  };

  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
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

await main();
