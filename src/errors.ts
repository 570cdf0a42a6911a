import { GraphQLError } from 'graphql';

import { isPelmError, type PelmErrorCode } from './pelm/errors.js';

/** Every `extensions.code` the gateway itself sets. */
export type GatewayErrorCode = PelmErrorCode | 'INTERNAL_SERVER_ERROR';

export interface GatewayErrorOptions {
  /** Seconds after which asking again may succeed (`DATA_UNAVAILABLE`, `RATE_LIMITED`). */
  retryAfter?: number | undefined;
  /** The argument that was wrong, for `BAD_USER_INPUT`. */
  argumentName?: string | undefined;
  /** HTTP status for errors that stop the whole request (never for field errors). */
  httpStatus?: number | undefined;
}

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: GatewayErrorCode | string;
    retryAfter?: number;
    argumentName?: string;
  }
}

/**
 * The one way the gateway builds a client-visible error: a stable code, an optional retry hint
 * and nothing else. Messages are written by us; upstream bodies, URLs and tokens never go in.
 */
export function gatewayError(
  code: GatewayErrorCode,
  message: string,
  options: GatewayErrorOptions = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      ...(options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter }),
      ...(options.argumentName === undefined ? {} : { argumentName: options.argumentName }),
      ...(options.httpStatus === undefined ? {} : { http: { status: options.httpStatus } }),
    },
  });
}

export function unauthenticatedError(message: string): GraphQLError {
  return gatewayError('UNAUTHENTICATED', message);
}

export function badUserInputError(argumentName: string, message: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, { argumentName });
}

/**
 * Turns what a resolver threw into what the client sees, or `undefined` when the error is not
 * one of ours (the caller masks it). Upstream failures keep their code and retry hint only.
 */
export function toClientError(error: GraphQLError): GraphQLError | undefined {
  const original = error.originalError;
  if (isPelmError(original)) {
    return new GraphQLError(original.message, {
      nodes: error.nodes ?? null,
      path: error.path ?? null,
      extensions: {
        code: original.code,
        ...(original.retryAfterSeconds === undefined
          ? {}
          : { retryAfter: original.retryAfterSeconds }),
      },
    });
  }

  if (original instanceof GraphQLError && typeof original.extensions.code === 'string') {
    return new GraphQLError(original.message, {
      nodes: error.nodes ?? null,
      path: error.path ?? null,
      extensions: original.extensions,
    });
  }

  if (original === undefined || original === null) {
    // Parse, validation and variable errors from graphql-js itself: written by graphql-js
    // about the caller's document, safe to show.
    return error;
  }

  return undefined;
}
