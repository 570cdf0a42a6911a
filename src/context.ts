import type { YogaInitialContext } from 'graphql-yoga';

import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from './logger.js';
import type { PelmSource } from './pelm/source.js';
import type { SyncService } from './sync/sync-service.js';
import { UpstreamScope } from './upstream-scope.js';

/** What every resolver gets for one request. Nothing here is shared between requests. */
export interface GatewayContext {
  /** The caller's Pelm access token, from `Authorization: Bearer …`; `null` when absent. */
  token: string | null;
  /** Why the token is missing, for the `UNAUTHENTICATED` message. */
  tokenProblem: string | null;
  /** The request's Pelm reads; `null` without a token, so no upstream call can happen. */
  loaders: Loaders | null;
  logger: Logger;
  /** The instance's sync watchers, for `dataReady` and `syncStatus`. */
  sync: SyncService;
  /** Aborts when the client goes away (HTTP request, SSE stream or WebSocket). */
  signal: AbortSignal;
  /** The signal the loaders' Pelm calls carry (client abort plus deadline) and stale notices. */
  upstream: UpstreamScope;
}

export interface ContextFactoryOptions {
  source: PelmSource;
  logger: Logger;
  sync: SyncService;
  /** Deadline for the Pelm calls of one query or mutation. @default DEFAULT_REQUEST_DEADLINE_MS */
  requestDeadlineMs?: number | undefined;
  /** Pelm reads one request may make. @default DEFAULT_MAX_UPSTREAM_CALLS */
  maxUpstreamCalls?: number | undefined;
}

/**
 * Builds the per-request context from the HTTP request. The token is read from the
 * `Authorization` header only; never from the URL, the body or a cookie.
 */
export function createContextFactory(options: ContextFactoryOptions) {
  return (initial: YogaInitialContext): GatewayContext => {
    const { token, problem } = readBearerToken(initial.request.headers.get('authorization'));
    const signal = initial.request.signal;
    const upstream = new UpstreamScope(initial.request, options.requestDeadlineMs);
    const call = { signal: upstream.signal, onStale: upstream.onStale };

    return {
      token,
      tokenProblem: problem,
      loaders:
        token === null
          ? null
          : createLoaders(options.source, { token, ...call }, options.maxUpstreamCalls),
      logger: options.logger,
      sync: options.sync,
      signal,
      upstream,
    };
  };
}

/** Pelm tokens are opaque: any visible ASCII run without spaces is accepted as-is. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,4096}$/;

export function readBearerToken(header: string | null): {
  token: string | null;
  problem: string | null;
} {
  if (header === null || header.trim() === '') {
    return {
      token: null,
      problem: 'Send the Pelm access token as `Authorization: Bearer <token>`.',
    };
  }

  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  const token = match?.[1];
  if (token === undefined || !TOKEN_SHAPE.test(token)) {
    return {
      token: null,
      problem: 'The Authorization header must be `Bearer <token>` with one token.',
    };
  }

  return { token, problem: null };
}
