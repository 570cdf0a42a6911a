import type { CORSOptions, Plugin } from 'graphql-yoga';

import type { Logger } from '../logger.js';
import { createTokenHasher, type TokenHasher } from '../token-hash.js';
import { corsFor } from './cors.js';
import { DEFAULT_COST_MODEL, type PelmCostModel } from './pelm-cost.js';
import { DEFAULT_MAX_BODY_BYTES, useBodyLimit } from './use-body-limit.js';
import { useCsrfPrevention } from './use-csrf-prevention.js';
import { useHideSuggestions } from './use-hide-suggestions.js';
import { useInputErrorCodes } from './use-input-error-codes.js';
import { useJsonOnlyPosts } from './use-json-only-posts.js';
import { useOperationRules } from './use-operation-rules.js';
import { usePelmCost } from './use-pelm-cost.js';
import { usePrivateResponses } from './use-private-responses.js';
import { DEFAULT_QUERY_LIMITS, useQueryLimits, type QueryLimits } from './use-query-limits.js';
import { useRateLimit, type RateLimitOptions } from './use-rate-limit.js';

/** Everything that protects the gateway from hostile callers; every field has a safe default. */
export interface SecurityOptions {
  /** Production hides "Did you mean …" hints and turns introspection and GraphiQL off. @default false */
  production?: boolean | undefined;
  /** Depth, alias, token and directive limits. @default DEFAULT_QUERY_LIMITS */
  queryLimits?: Partial<QueryLimits> | undefined;
  /** The Pelm cost model and its limit. @default DEFAULT_COST_MODEL */
  costModel?: Partial<PelmCostModel> | undefined;
  /**
   * Per-token rate limit, or `false` for none. The gateway's configuration turns it on
   * (`RATE_LIMIT_REQUESTS`); a gateway built without it, as in most tests, has none.
   * @default false
   */
  rateLimit?:
    (Omit<RateLimitOptions, 'hashToken'> & { hashToken?: TokenHasher }) | false | undefined;
  /** Origins whose pages may call the gateway (CORS). @default [] (no cross-origin caller) */
  corsOrigins?: readonly string[] | undefined;
  /** Whether `__schema` and `__type` answer. @default !production */
  introspection?: boolean | undefined;
  /** Whether GraphiQL is served on GET with `Accept: text/html`. @default !production */
  graphiql?: boolean | undefined;
  /** Operations allowed in one batched (array) request; 0 turns batching off. @default 0 */
  batchLimit?: number | undefined;
  /** Largest request body, in bytes. @default DEFAULT_MAX_BODY_BYTES (128 KiB) */
  maxBodyBytes?: number | undefined;
  /** Where refused queries are noted at debug level. */
  logger?: Logger | undefined;
}

/** What `createGateway` passes to Yoga: plugins plus the few settings Yoga owns itself. */
export interface Security {
  plugins: Plugin[];
  cors: (request: Request) => CORSOptions;
  batching: false | { limit: number };
  maxRequestBodySize: number;
  graphiql: boolean;
}

/** Resolves the options against their defaults and builds the plugins, in the order they act. */
export function createSecurity(options: SecurityOptions = {}): Security {
  const production = options.production ?? false;
  const introspection = options.introspection ?? !production;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const batchLimit = options.batchLimit ?? 0;
  const rateLimit = options.rateLimit ?? false;

  const plugins: Plugin[] = [
    usePrivateResponses(),
    useJsonOnlyPosts(),
    useCsrfPrevention(),
    useBodyLimit(maxBodyBytes),
  ];
  if (rateLimit !== false) {
    plugins.push(
      useRateLimit({ ...rateLimit, hashToken: rateLimit.hashToken ?? createTokenHasher() }),
    );
  }

  plugins.push(
    useQueryLimits({ ...DEFAULT_QUERY_LIMITS, ...options.queryLimits }),
    usePelmCost({ model: { ...DEFAULT_COST_MODEL, ...options.costModel }, logger: options.logger }),
    useInputErrorCodes(),
  );
  plugins.push(useOperationRules({ introspection }));

  if (production) {
    plugins.push(useHideSuggestions());
  }

  return {
    plugins,
    cors: corsFor(options.corsOrigins ?? []),
    batching: batchLimit > 0 ? { limit: batchLimit } : false,
    maxRequestBodySize: maxBodyBytes,
    graphiql: options.graphiql ?? !production,
  };
}
