import type { Plugin } from 'graphql-yoga';

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
    onRequestParse({ request }) {
      if (request.method !== 'POST') {
        return;
      }

      const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== undefined && ACCEPTED_POST_TYPES.includes(type)) {
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
