import type { CORSOptions } from 'graphql-yoga';

import { CSRF_HEADER } from './use-csrf-prevention.js';

/** How long a browser may keep a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for the configured origins only. Yoga's default reflects any origin with credentials
 * allowed; here an unlisted origin gets no CORS header at all (so its page cannot read the
 * answer), a listed one gets exactly its own origin back, and credentials (cookies) are never
 * allowed: the token travels in `Authorization`, which the page sets itself.
 */
export function corsFor(origins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = new Set(origins);

  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) {
      return false;
    }

    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', CSRF_HEADER],
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    };
  };
}
