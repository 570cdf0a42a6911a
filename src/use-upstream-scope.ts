import type { Plugin } from 'graphql-yoga';

import type { GatewayContext } from './context.js';
import { markArrival } from './upstream-scope.js';

/**
 * Starts each query's deadline when execution begins, counted from the request's arrival (so
 * parsing and checks count too), and ends it with the execution. Answers
 * served past their freshness (stale-while-revalidate, stale-if-error) are listed in
 * `extensions.stale`, one entry per resource and reason with the age of the oldest, so a client
 * never takes old data for current.
 */
export function useUpstreamScope(): Plugin<GatewayContext> {
  return {
    onRequest({ request }) {
      markArrival(request);
    },
    onExecute({ args }) {
      const scope = args.contextValue.upstream;
      scope.startDeadline();

      return {
        onExecuteDone({ result, setResult }) {
          scope.dispose();
          if (Symbol.asyncIterator in result) {
            return;
          }

          const stale = scope.staleNotices();
          if (stale.length > 0) {
            setResult({ ...result, extensions: { ...result.extensions, stale } });
          }
        },
      };
    },
  };
}
