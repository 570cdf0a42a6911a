import type { GraphQLParams, Plugin } from 'graphql-yoga';

import { gatewayError } from '../errors.js';

/** Media types a POST body may have: JSON, whose cross-site send always needs a CORS preflight. */
const ACCEPTED_POST_TYPES = ['application/json', 'application/graphql-response+json'];

/**
 * Refuses POST bodies that are not JSON with HTTP 415. Browsers send `text/plain`, form and
 * multipart posts across sites without asking first, so executing them would let any web page
 * run operations with whatever the browser attaches; JSON posts always get a preflight.
 */
export function useJsonOnlyPosts(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST') {
        return;
      }

      const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity') {
        throw gatewayError('BAD_REQUEST', 'POST bodies must not be compressed.', {
          httpStatus: 415,
        });
      }

      if (type !== undefined && ACCEPTED_POST_TYPES.includes(type)) {
        // Media types are case-insensitive, and Yoga's own parser matches only lower case.
        setRequestParser(parseJsonBody);

        return;
      }

      throw gatewayError(
        'BAD_REQUEST',
        'POST bodies must be JSON: send `Content-Type: application/json`.',
        { httpStatus: 415 },
      );
    },
  };
}

/**
 * The body as GraphQL parameters (an object, or an array when batching). A body that is not
 * JSON is refused without quoting it back: Yoga's own parser echoes the parser's message, which
 * holds part of the body.
 */
async function parseJsonBody(request: Request): Promise<GraphQLParams | GraphQLParams[]> {
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw gatewayError('BAD_REQUEST', 'The POST body is not valid JSON.', { httpStatus: 400 });
  }

  if (body === null || typeof body !== 'object') {
    throw gatewayError('BAD_REQUEST', 'The POST body must be a JSON object with a `query`.', {
      httpStatus: 400,
    });
  }

  return body as GraphQLParams | GraphQLParams[];
}
