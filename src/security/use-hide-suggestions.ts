import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js phrases every hint as "Did you mean …?": field, argument, type and enum value
 * suggestions ("Did you mean the enum value "GAS"?") alike. GraphQL Armor's mask only matches
 * the quoted form right after "mean", so enum hints would slip through it.
 */
const SUGGESTION = /\s*Did you mean[^?]*\?/g;

function withoutSuggestion<TError extends Error>(error: TError): TError | GraphQLError {
  const message = error.message.replace(SUGGESTION, '').trim();
  if (message === error.message || !(error instanceof GraphQLError)) {
    return error;
  }

  return new GraphQLError(message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: error.extensions,
  });
}

function cleanResult(result: ExecutionResult, set: (result: ExecutionResult) => void): void {
  if (result.errors !== undefined && result.errors.length > 0) {
    set({ ...result, errors: result.errors.map((error) => withoutSuggestion(error)) });
  }
}

/**
 * Removes "Did you mean …" from validation and variable errors. With introspection off, those
 * hints are enough for a script to rebuild the schema one guessed name at a time.
 */
export function useHideSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ valid, result, setResult }) => {
        if (!valid) {
          setResult(result.map((error) => withoutSuggestion(error)));
        }
      };
    },
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) {
            cleanResult(result, setResult);
          }
        },
      };
    },
  };
}
