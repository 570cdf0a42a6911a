import { createLogger } from '../logger.js';
import { readSandboxSettings } from './env.js';
import { startSandbox } from './server.js';

/**
 * `npm run sandbox`: the Pelm sandbox as its own process. Settings come from SANDBOX_* variables
 * (see `env.ts`). Once listening it prints one line, `{"event":"listening","url":"…"}`, that
 * scripts wait for; it is written directly to stdout so that no LOG_LEVEL can hide it.
 */

const result = readSandboxSettings(process.env);
if (!result.ok) {
  for (const error of result.errors) {
    process.stderr.write(`sandbox: ${error}\n`);
  }

  process.exit(1);
}

const { options, logLevel } = result.settings;
const logger = createLogger({ level: logLevel });
const sandbox = await startSandbox({ ...options, logger }).catch((error: unknown) => {
  // Typically the port is taken (EADDRINUSE) or the host is not an address of this machine.
  logger.fatal({ err: error, port: options.port, host: options.host }, 'sandbox cannot listen');
  process.exit(1);
});
logger.info(
  {
    now: options.now ?? null,
    syncSeconds: options.syncSeconds ?? null,
    latencyMs: options.latencyMs ?? 0,
    clientCredentialsRequired: options.clientId !== undefined || options.secret !== undefined,
  },
  'sandbox started',
);
process.stdout.write(`${JSON.stringify({ event: 'listening', url: sandbox.url })}\n`);

function stop(signal: NodeJS.Signals): void {
  logger.info({ signal }, 'sandbox stopping');
  sandbox.close().then(
    () => logger.info('sandbox stopped'),
    (error: unknown) => {
      logger.error({ err: error }, 'sandbox failed to stop cleanly');
      process.exitCode = 1;
    },
  );
}

process.once('SIGTERM', stop);
process.once('SIGINT', stop);
