import { GraphQLError } from 'graphql';
import { createYoga, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';

import { createContextFactory, type GatewayContext } from './context.js';
import { gatewayError, toClientError } from './errors.js';
import { renderGraphiQLPage, useGraphiQLAssets } from './graphiql.js';
import type { Logger } from './logger.js';
import type { PelmSource } from './pelm/source.js';
import { useSseHeaders } from './sse-headers.js';
import { SyncService } from './sync/sync-service.js';
import { executionSchema, schema } from './schema/index.js';
import { createSecurity, type SecurityOptions } from './security/create-security.js';
import { useExecutionSchema } from './use-execution-schema.js';
import { useUpstreamScope } from './use-upstream-scope.js';

export interface GatewayOptions {
  source: PelmSource;
  logger: Logger;
  /** Development mode shows more of unexpected errors in logs; never to clients. */
  production?: boolean;
  /**
   * Headers GraphiQL starts with, as the sandbox fills in its demo token. `undefined` leaves
   * the header editor empty.
   */
  graphiqlHeaders?: Record<string, string> | undefined;
  /**
   * The sync watchers behind `dataReady` and `syncStatus`; main passes one wired to Redis when
   * configured. @default an in-process service over `source` with the default poll settings
   */
  sync?: SyncService | undefined;
  /**
   * Query limits, cost limit, rate limit, CORS, introspection and GraphiQL switches. Safe
   * defaults apply to whatever is left out; `production` is taken from above.
   */
  security?: Omit<SecurityOptions, 'production' | 'logger'> | undefined;
  /**
   * How long one query or mutation waits for Pelm, all its calls together; fields whose calls
   * it cuts get `UPSTREAM_TIMEOUT`. @default DEFAULT_REQUEST_DEADLINE_MS (20 000 ms)
   */
  requestDeadlineMs?: number | undefined;
}

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

/** The query GraphiQL opens with: the headline read of the whole graph. */
export const EXAMPLE_QUERY = /* GraphQL */ `
  # The accounts of the token's user with their three latest bills.
  # Press the run button (or Ctrl-Enter).
  query Example {
    user {
      accounts {
        id
        accountNumber
        address
        bills(limit: 3) {
          id
          startDate
          endDate
          totalAmountDue {
            amount
            currency
          }
          electricUsage {
            value
            unit
          }
        }
      }
    }
  }
`
  .replace(/^ {2}/gm, '')
  .trimStart();

/**
 * Builds the gateway's Yoga instance without listening, so tests call `gateway.fetch` and the
 * entry point decides about sockets.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { logger } = options;
  const sync = options.sync ?? new SyncService({ source: options.source, logger });
  const security = createSecurity({
    ...options.security,
    production: options.production ?? false,
    logger,
  });

  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    context: createContextFactory({
      source: options.source,
      logger,
      sync,
      requestDeadlineMs: options.requestDeadlineMs,
      maxUpstreamCalls: options.security?.costModel?.maxCalls,
    }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: yogaLogger(logger),
    plugins: [
      useGraphiQLAssets(),
      ...security.plugins,
      useSseHeaders(),
      useUpstreamScope(),
      // Last, so every plugin before it prices and checks against the public schema.
      useExecutionSchema(executionSchema),
    ],
    cors: security.cors,
    batching: security.batching,
    maxRequestBodySize: security.maxRequestBodySize,
    multipart: false,
    renderGraphiQL: renderGraphiQLPage,
    graphiql: security.graphiql && {
      title: 'pelm-graphql',
      defaultQuery: EXAMPLE_QUERY,
      ...(options.graphiqlHeaders === undefined
        ? {}
        : { headers: JSON.stringify(options.graphiqlHeaders, null, 2) }),
    },
    maskedErrors: {
      maskError: (error) => {
        const visible = error instanceof GraphQLError ? toClientError(error) : undefined;
        if (visible !== undefined) {
          return visible;
        }

        // Logged once, here; the client gets a generic message and a code.
        logger.error({ err: error }, 'unexpected error while resolving a request');
        const masked = gatewayError('INTERNAL_SERVER_ERROR', 'Unexpected error.');

        return error instanceof GraphQLError
          ? new GraphQLError(masked.message, {
              nodes: error.nodes ?? null,
              path: error.path ?? null,
              extensions: masked.extensions,
            })
          : masked;
      },
    },
  });
}

/** Yoga's own lifecycle messages, through our logger. */
function yogaLogger(logger: Logger): YogaLogger {
  return {
    debug: (...args: unknown[]) => logger.debug({ yoga: args.slice(1) }, String(args[0])),
    info: (...args: unknown[]) => logger.info({ yoga: args.slice(1) }, String(args[0])),
    warn: (...args: unknown[]) => logger.warn({ yoga: args.slice(1) }, String(args[0])),
    error: (...args: unknown[]) => {
      // Yoga reports each error that masking replaced, but `maskError` above has already logged
      // the unexpected ones, once; the rest are the caller's own (a missing token, a bad
      // argument), and Yoga's report would copy their message and the query text into the log.
      if (args[0] instanceof Error) {
        return;
      }

      logger.error({ yoga: args.slice(1) }, String(args[0]));
    },
  };
}
