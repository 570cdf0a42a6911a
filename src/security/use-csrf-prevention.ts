import type { Plugin } from 'graphql-yoga';

import { gatewayError } from '../errors.js';

/** The header a GET operation must carry; any value will do. */
export const CSRF_HEADER = 'x-graphql-csrf';

/** Yoga's own name for the same header, accepted too so its clients work unchanged. */
const YOGA_CSRF_HEADER = 'x-graphql-yoga-csrf';

/**
 * A GET operation must carry `X-GraphQL-CSRF`. A plain GET is a "simple" request that any web
 * page can make its visitors' browsers send, cookies and all; a custom header turns it into one
 * that needs a CORS preflight, which a foreign origin does not pass. Posts need no header: only
 * JSON posts are accepted (see `useJsonOnlyPosts`), and those are always preflighted.
 *
 * Written here rather than taken from `@graphql-yoga/plugin-csrf-prevention` because that
 * plugin's refusal carries no `extensions.code`, and every error of this gateway has one.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'GET') {
        return;
      }

      if (request.headers.has(CSRF_HEADER) || request.headers.has(YOGA_CSRF_HEADER)) {
        return;
      }

      throw gatewayError(
        'BAD_REQUEST',
        `GET operations must carry the \`X-GraphQL-CSRF\` header (any value), or use POST ` +
          'with a JSON body.',
        { httpStatus: 403 },
      );
    },
  };
}
