import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * An error from execution with no path and no code is graphql-js refusing the caller's
 * variables (a string for an `Int`, a missing required variable) before any resolver ran.
 * Left alone, the error masking would treat it as a gateway fault and answer
 * `INTERNAL_SERVER_ERROR`; it is the caller's input, so it becomes `BAD_USER_INPUT`, with
 * graphql-js's message, which only describes the caller's own values.
 */
function coded(error: GraphQLError): GraphQLError {
  if (error.path !== undefined || typeof error.extensions.code === 'string') {
    return error;
  }

  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

function recode(result: ExecutionResult, set: (result: ExecutionResult) => void): void {
  if (result.data === undefined && result.errors !== undefined && result.errors.length > 0) {
    set({ ...result, errors: result.errors.map(coded) });
  }
}

/** Gives variable-coercion errors the code `BAD_USER_INPUT` (see `coded`). */
export function useInputErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) {
            recode(result, setResult);
          }
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) {
            recode(result, setResult);
          }
        },
      };
    },
  };
}
