import type { ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { gatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  DEFAULT_COST_MODEL,
  estimatePelmCost,
  type CostEstimate,
  type PelmCostModel,
} from './pelm-cost.js';

export interface PelmCostOptions {
  /** The prices and the limit. @default DEFAULT_COST_MODEL */
  model?: PelmCostModel;
  /** Where refusals are logged, at debug level, with the estimate (never the variables). */
  logger?: Logger | undefined;
}

/**
 * Refuses an operation whose estimated Pelm cost is over the limit, before any resolver runs.
 * It runs at execution rather than validation because the dates and ids that decide the cost
 * often arrive as variables, which validation never sees.
 */
export function usePelmCost(options: PelmCostOptions = {}): Plugin {
  const model = options.model ?? DEFAULT_COST_MODEL;

  const refusal = (args: ExecutionArgs): GraphQLError | undefined => {
    const estimate = estimatePelmCost(args.schema, args.document, {
      operationName: args.operationName,
      variables: args.variableValues,
      model,
    });
    if (estimate === undefined) {
      return undefined;
    }

    if (estimate.cost > model.maxCost) {
      return refuse(
        'cost',
        estimate,
        `it would cost about ${Math.round(estimate.cost)} ` +
          `(${Math.round(estimate.calls)} upstream calls, ${Math.round(estimate.points)} items), ` +
          `over the limit of ${model.maxCost}. Ask for shorter date ranges or fewer accounts.`,
      );
    }

    if (estimate.calls > model.maxCalls) {
      return refuse(
        'upstream-calls',
        estimate,
        `it would make about ${Math.round(estimate.calls)} upstream calls, over the limit of ` +
          `${model.maxCalls}. Ask for fewer or longer date ranges.`,
      );
    }

    return undefined;
  };

  const refuse = (limit: string, estimate: CostEstimate, why: string): GraphQLError => {
    options.logger?.debug(
      {
        event: 'query-refused',
        limit,
        ...estimate,
        maxCost: model.maxCost,
        maxCalls: model.maxCalls,
      },
      `query refused: over the ${limit} limit`,
    );

    return gatewayError('QUERY_TOO_COMPLEX', `Query too complex: ${why}`, {
      limit,
      httpStatus: 400,
    });
  };

  const stopWith = (error: GraphQLError): ExecutionResult => ({ errors: [error] });

  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error !== undefined) {
        setResultAndStopExecution(stopWith(error));
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error !== undefined) {
        setResultAndStopExecution(stopWith(error));
      }
    },
  };
}
