import type { Config } from '../config.js';
import { createTokenHasher } from '../token-hash.js';
import type { SecurityOptions } from './create-security.js';

/** The security settings of `createGateway`, from the environment's configuration. */
export function securityFromConfig(config: Config): Omit<SecurityOptions, 'production' | 'logger'> {
  return {
    queryLimits: {
      maxDepth: config.graphqlMaxDepth,
      maxAliases: config.graphqlMaxAliases,
      maxTokens: config.graphqlMaxTokens,
      maxDirectives: config.graphqlMaxDirectives,
    },
    costModel: { maxCost: config.graphqlMaxCost, maxCalls: config.graphqlMaxUpstreamCalls },
    rateLimit:
      config.rateLimitRequests === 0
        ? false
        : {
            limit: config.rateLimitRequests,
            windowMs: config.rateLimitWindowMs,
            hashToken: createTokenHasher(config.tokenHashSecret),
          },
    corsOrigins: config.corsOrigins,
    introspection: config.graphqlIntrospection,
    graphiql: config.graphiql,
    batchLimit: config.graphqlBatchLimit,
    maxBodyBytes: config.graphqlMaxBodyBytes,
  };
}
