import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import type { OperationResult, Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';

import type { Gateway } from './app.js';
import { DEFAULT_MAX_BODY_BYTES } from './security/use-body-limit.js';
import { SSE_PING_INTERVAL_MS } from './sse-headers.js';

/**
 * The HTTP server's own limits. Each is longer than the SSE ping interval, so a quiet
 * `dataReady` stream (pinged every 12 s) is never cut by the server itself.
 */
export const HTTP_TIMEOUTS = {
  /** Time to receive a whole request (headers and body); not the answer. */
  requestTimeoutMs: 300_000,
  /** Time to receive a request's headers. */
  headersTimeoutMs: 60_000,
  /** Idle time of a kept-alive connection between two requests. */
  keepAliveTimeoutMs: 65_000,
  /** A socket with no traffic at all for this long is closed (pings count as traffic). */
  idleTimeoutMs: 120_000,
} as const;

/** graphql-ws pings every connection this often and drops one that does not answer in time. */
export const WS_KEEP_ALIVE_MS = SSE_PING_INTERVAL_MS;

export interface StartServerOptions {
  gateway: Gateway;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /**
   * Largest graphql-ws message accepted, like the HTTP body limit; a larger one closes the
   * socket (1009). @default DEFAULT_MAX_BODY_BYTES
   */
  maxMessageBytes?: number | undefined;
}

export interface GatewayServer {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`; `ws://` on the same path. */
  url: string;
  port: number;
  http: Server;
  /**
   * Stops accepting connections, closes WebSockets (1001 Going Away), lets HTTP requests in
   * flight finish for `graceMs`, then drops what is left. @default graceMs 5_000
   */
  close(graceMs?: number): Promise<void>;
}

/** What `onSubscribe` stores for graphql-ws to run the operation with Yoga's envelope. */
interface EnvelopedRoot {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

type ConnectionContext = WsContext<
  Record<string, unknown> | undefined,
  { request: IncomingMessage; socket: WebSocket }
>;

/**
 * One HTTP server for everything on the GraphQL path: queries and GraphQL over SSE through
 * Yoga, and graphql-ws over WebSocket. Over graphql-ws the token comes in the `connection_init`
 * payload as `authorization` (browsers cannot set headers on a WebSocket), else from the
 * upgrade request's `Authorization` header; never from the URL or a cookie.
 */
export async function startServer(options: StartServerOptions): Promise<GatewayServer> {
  const { gateway } = options;
  const http = createServer(gateway);
  http.requestTimeout = HTTP_TIMEOUTS.requestTimeoutMs;
  http.headersTimeout = HTTP_TIMEOUTS.headersTimeoutMs;
  http.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveTimeoutMs;
  http.timeout = HTTP_TIMEOUTS.idleTimeoutMs;

  // Listening first: a port already taken fails here, before the WebSocket server exists to
  // report the same error again through graphql-ws.
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const webSockets = new WebSocketServer({
    server: http,
    path: gateway.graphqlEndpoint,
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_BODY_BYTES,
    WebSocket: ClientFaultQuietWebSocket,
  });
  const connections = new WeakMap<object, AbortController>();
  const connectionSignal = (context: object) => {
    let controller = connections.get(context);
    if (controller === undefined) {
      controller = new AbortController();
      connections.set(context, controller);
    }

    return controller.signal;
  };

  const wsServer = useServer<
    Record<string, unknown> | undefined,
    { request: IncomingMessage; socket: WebSocket }
  >(
    {
      // Aborts the connection's operations; a subscription set up after the socket closed sees
      // the abort and never starts polling.
      onClose: (context) => connections.get(context)?.abort(),
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      // Over HTTP, Yoga turns `extensions.http` into the status and headers and drops it; a
      // WebSocket has neither, so it is dropped here.
      onNext: (_context, _id, _payload, _args, result) => withoutHttpExtensions(result),
      onError: (_context, _id, _payload, errors) => errors.map(formatted),
      onSubscribe: async (context: ConnectionContext, _id, payload) => {
        const headers = new Headers();
        const authorization = wsAuthorization(context);
        if (authorization !== undefined) {
          headers.set('authorization', authorization);
        }

        const request = new Request(`http://localhost${gateway.graphqlEndpoint}`, {
          method: 'POST',
          headers,
          // A signal of its own that follows the connection's: a Request listens to the signal
          // it is given until it is collected, and one connection may carry thousands of
          // subscriptions over its life.
          signal: AbortSignal.any([connectionSignal(context)]),
        });
        const enveloped = gateway.getEnveloped({ request, params: payload });
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) {
            return [error];
          }

          throw error;
        }

        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) {
          return [...errors];
        }

        // Yoga's envelope (masking, limits) runs the operation; graphql-ws only carries it.
        const root = {
          execute: enveloped.execute,
          subscribe: enveloped.subscribe,
        } as EnvelopedRoot;

        return {
          schema: enveloped.schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: await enveloped.contextFactory(),
          rootValue: root,
        };
      },
    },
    webSockets,
    WS_KEEP_ALIVE_MS,
  );

  const { port } = http.address() as AddressInfo;

  return {
    url: `http://localhost:${port}${gateway.graphqlEndpoint}`,
    port,
    http,
    async close(graceMs = 5_000) {
      await wsServer.dispose();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const force = setTimeout(() => http.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
    },
  };
}

/**
 * A socket that keeps the client's own protocol faults (a message over the size limit, a bad
 * frame) to itself: `ws` has already closed the socket with the right code (1009, 1002) when
 * it reports them, and graphql-ws would print each one with its stack on stderr, outside the
 * JSON log, for any client to trigger at will.
 */
class ClientFaultQuietWebSocket extends WebSocket {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const [error] = args;
    if (event === 'error' && isClientFault(error)) {
      return true;
    }

    return super.emit(event, ...args);
  }
}

function isClientFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;

  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

function wsAuthorization(context: ConnectionContext): string | undefined {
  const params = context.connectionParams;
  const fromInit = params?.['authorization'] ?? params?.['Authorization'];
  if (typeof fromInit === 'string') {
    return fromInit;
  }

  const header = context.extra.request.headers.authorization;

  return typeof header === 'string' ? header : undefined;
}

/** The error as graphql-ws sends it, without `extensions.http`. */
function formatted(error: GraphQLError): GraphQLFormattedError {
  const { extensions, ...rest } = error.toJSON();
  if (extensions?.['http'] === undefined) {
    return error.toJSON();
  }

  const { http: _http, ...kept } = extensions;

  return Object.keys(kept).length > 0 ? { ...rest, extensions: kept } : rest;
}

function withoutHttpExtensions(result: {
  errors?: readonly GraphQLError[] | undefined;
}): FormattedExecutionResult | undefined {
  if (result.errors === undefined || result.errors.length === 0) {
    return undefined;
  }

  return { ...(result as FormattedExecutionResult), errors: result.errors.map(formatted) };
}
