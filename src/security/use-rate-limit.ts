import { LRUCache } from 'lru-cache';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { GatewayContext } from '../context.js';
import { gatewayError } from '../errors.js';
import type { TokenHasher } from '../token-hash.js';

export interface RateLimitOptions {
  /** Operations one token may send per window; a batch counts each operation. @default 300 */
  limit: number;
  /** Length of the window. @default 60_000 */
  windowMs: number;
  /**
   * Callers tracked at once; the least recent are forgotten first, so a flood of made-up
   * tokens cannot grow memory without bound. @default 100_000
   */
  maxCallers?: number;
  /** Keys callers by a keyed hash of their token: the raw token is never stored. */
  hashToken: TokenHasher;
  /** Clock, for tests. @default Date.now */
  nowMs?: () => number;
}

export const DEFAULT_RATE_LIMIT = { limit: 300, windowMs: 60_000 } as const;

const DEFAULT_MAX_CALLERS = 100_000;

interface Window {
  startMs: number;
  count: number;
}

/**
 * A fixed-window limit per token. Over the limit, the operation is answered `RATE_LIMITED` with
 * `Retry-After` (header) and `extensions.retryAfter` (seconds until the window ends), and never
 * reaches Pelm. Requests without a token are not counted: they end `UNAUTHENTICATED` without an
 * upstream call anyway, and counting them under one key would let anyone lock everyone out.
 */
export function useRateLimit(options: RateLimitOptions): Plugin {
  const nowMs = options.nowMs ?? Date.now;
  const windows = new LRUCache<string, Window>({
    max: options.maxCallers ?? DEFAULT_MAX_CALLERS,
    ttl: options.windowMs,
    ttlAutopurge: false,
  });

  /** Counts one operation of `token`; the refusal when it is over the limit. */
  const refusal = (token: string | null): ExecutionResult | undefined => {
    if (token === null) {
      return undefined;
    }

    const key = options.hashToken(token);
    const now = nowMs();
    let window = windows.get(key);
    if (window === undefined || now - window.startMs >= options.windowMs) {
      window = { startMs: now, count: 0 };
      windows.set(key, window);
    }

    window.count += 1;
    if (window.count <= options.limit) {
      return undefined;
    }

    const retryAfter = Math.max(1, Math.ceil((window.startMs + options.windowMs - now) / 1000));

    return {
      errors: [
        gatewayError(
          'RATE_LIMITED',
          `Too many requests for this token: at most ${options.limit} per ` +
            `${options.windowMs / 1000} s. Retry after ${retryAfter} s.`,
          { retryAfter, httpStatus: 429, httpHeaders: { 'Retry-After': String(retryAfter) } },
        ),
      ],
    };
  };

  // Counted where every transport's operations pass (HTTP and graphql-ws alike), after
  // validation: a refused document never reaches Pelm and costs the caller nothing.
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(tokenOf(args.contextValue));
      if (refused !== undefined) {
        setResultAndStopExecution(refused);
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(tokenOf(args.contextValue));
      if (refused !== undefined) {
        setResultAndStopExecution(refused);
      }
    },
  };
}

/** The caller's token as the gateway's context holds it; `null` in a context without one. */
function tokenOf(context: unknown): string | null {
  return (context as Partial<GatewayContext>).token ?? null;
}
