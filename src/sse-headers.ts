import type { Plugin } from 'graphql-yoga';

/**
 * Yoga pings an open SSE stream every 12 s (a comment line), which keeps proxies with a 60 s
 * read timeout from cutting a quiet `dataReady` stream. The HTTP server's own timeouts must be
 * longer than this (see `server.ts`).
 */
export const SSE_PING_INTERVAL_MS = 12_000;

/**
 * Headers that let a GraphQL-over-SSE stream through proxies as it is written. nginx buffers
 * proxied answers by default and a client would then see nothing until the stream ends:
 * `X-Accel-Buffering: no` turns that off for this answer only. `no-transform` keeps proxies
 * from compressing (and so buffering) the stream. Yoga's `Content-Encoding: none` is dropped:
 * `none` is no registered coding, and a proxy may refuse to pass or decode it. Registered after
 * the private-answers plugin so `no-cache` survives on streams: `no-store` stays beside it.
 */
export function useSseHeaders(): Plugin {
  return {
    onResponse({ response }) {
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        return;
      }

      response.headers.set('x-accel-buffering', 'no');
      response.headers.set('cache-control', 'no-cache, no-store, no-transform');
      response.headers.delete('content-encoding');
      response.headers.delete('content-length');
    },
  };
}
