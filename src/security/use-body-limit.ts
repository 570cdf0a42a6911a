import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { gatewayError } from '../errors.js';

/** Largest request body accepted: room for any real query and its variables. @default 131_072 */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;

function tooLarge(maxBytes: number): GraphQLError {
  return gatewayError('BAD_REQUEST', `Request body is larger than ${maxBytes} bytes.`, {
    httpStatus: 413,
  });
}

/**
 * Refuses bodies over `maxBytes` with HTTP 413 and `BAD_REQUEST`. A declared `Content-Length`
 * is refused before a byte is read; a chunked body is cut off by Yoga's own stream limit (its
 * `maxRequestBodySize`, set to the same number), whose error is given our code here.
 */
export function useBodyLimit(maxBytes: number = DEFAULT_MAX_BODY_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const declared = request.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
        throw tooLarge(maxBytes);
      }

      if (requestParser === undefined) {
        return;
      }

      setRequestParser(async (limited) => {
        try {
          return await requestParser(limited);
        } catch (error) {
          if (
            error instanceof GraphQLError &&
            error.extensions.code === 'REQUEST_ENTITY_TOO_LARGE'
          ) {
            throw tooLarge(maxBytes);
          }

          throw error;
        }
      });
    },
  };
}
