import type { Plugin } from 'graphql-yoga';

import { GRAPHIQL_ASSET_PATH } from '../graphiql.js';

/**
 * Marks every answer as private to its caller: `Cache-Control: no-store` and
 * `Vary: Authorization`. Answers hold one household's data, and a shared cache (a CDN, a
 * corporate proxy) that kept a GET answer would hand it to the next visitor. Whatever Pelm said
 * about caching is never passed on. GraphiQL's static files are the one exception: they are the
 * same for everyone.
 */
export function usePrivateResponses(): Plugin {
  return {
    onResponse({ request, response }) {
      if (new URL(request.url, 'http://gateway').pathname.startsWith(GRAPHIQL_ASSET_PATH)) {
        return;
      }

      response.headers.set('cache-control', 'no-store');
      response.headers.set('vary', withVary(response.headers.get('vary'), VARY_ON));
    },
  };
}

/** The answer depends on who asks (the token) and from where (CORS headers). */
const VARY_ON = ['Authorization', 'Origin'];

function withVary(current: string | null, names: readonly string[]): string {
  const present = (current ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const lower = new Set(present.map((name) => name.toLowerCase()));

  return [...present, ...names.filter((name) => !lower.has(name.toLowerCase()))].join(', ');
}
