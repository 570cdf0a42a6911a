import { GraphQLError, type ValueNode } from 'graphql';

import { isPelmError, type PelmErrorCode } from './pelm/errors.js';

/** Every `extensions.code` the gateway itself sets. */
export type GatewayErrorCode =
  | PelmErrorCode
  | 'INTERNAL_SERVER_ERROR'
  /** A query limit or the cost limit was exceeded; the message names which. */
  | 'QUERY_TOO_COMPLEX'
  /** The document does not validate against the schema. */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** The HTTP request itself was refused: body size, content type, CSRF, batching. */
  | 'BAD_REQUEST'
  /** The user's utility login stopped working; it must be reconnected through Pelm Connect. */
  | 'REAUTH_REQUIRED'
  /** The instance is stopping; a `dataReady` subscription should be opened again. */
  | 'SHUTTING_DOWN';

export interface GatewayErrorOptions {
  /** Seconds after which asking again may succeed (`DATA_UNAVAILABLE`, `RATE_LIMITED`). */
  retryAfter?: number | undefined;
  /** The argument that was wrong, for `BAD_USER_INPUT`. */
  argumentName?: string | undefined;
  /** Which query limit was exceeded, for `QUERY_TOO_COMPLEX` (`depth`, `cost`…). */
  limit?: string | undefined;
  /** HTTP status for errors that stop the whole request (never for field errors). */
  httpStatus?: number | undefined;
  /** HTTP response headers for errors that stop the whole request, e.g. `Retry-After`. */
  httpHeaders?: Record<string, string> | undefined;
}

declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: GatewayErrorCode | string;
    retryAfter?: number;
    argumentName?: string;
    limit?: string;
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
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...httpExtension(options),
    },
  });
}

function httpExtension(options: GatewayErrorOptions): {
  http?: { status?: number; headers?: Record<string, string> };
} {
  if (options.httpStatus === undefined && options.httpHeaders === undefined) {
    return {};
  }

  return {
    http: {
      ...(options.httpStatus === undefined ? {} : { status: options.httpStatus }),
      ...(options.httpHeaders === undefined ? {} : { headers: options.httpHeaders }),
    },
  };
}

/**
 * A value a scalar cannot read (`DateTime`, `Decimal`). It stops the request before anything
 * runs, so it answers HTTP 400 like graphql-js's own variable errors, and points at the literal
 * when there is one. The scalar does not know which argument it is reading: the message names
 * the scalar, and the location or the variable's name the place.
 */
export function invalidScalarError(message: string, node?: ValueNode): GraphQLError {
  const shaped = gatewayError('BAD_USER_INPUT', message, { httpStatus: 400 });

  return new GraphQLError(message, { nodes: node ?? null, extensions: shaped.extensions });
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
