import { setTimeout as delay } from 'node:timers/promises';

import type { FaultSpec } from './fault-spec.js';
import { errorResponse, type SandboxResponse } from './http.js';
import type { SandboxExchange } from './sandbox-types.js';

/** The misbehaving answers the fault switches send, and the pieces they are made of. */

export const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
  '<body><h1>Bad Gateway</h1><p>The upstream server is not available.</p></body></html>';
/** Tempts any layer that honours upstream cache headers to share an answer. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=300';

/** 429, with `Retry-After` as delta-seconds or as an HTTP date when the spec gives one. */
export function rateLimited(spec: FaultSpec): SandboxResponse {
  const response = errorResponse(429, 'rate_limited', 'Too many requests.');
  const seconds = spec.retryAfterSeconds;
  if (seconds !== undefined) {
    response.headers['retry-after'] =
      spec.retryAfterForm === 'date'
        ? new Date(Date.now() + seconds * 1_000).toUTCString()
        : String(seconds);
  }

  return response;
}

export function htmlHeaders(): Record<string, string> {
  return { 'content-type': 'text/html; charset=utf-8' };
}

export function bodyBytes(answer: SandboxResponse): Buffer {
  if (answer.body === null) {
    return Buffer.alloc(0);
  }

  return typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
}

/** Headers announcing the whole body, half of it, then a TCP reset. */
export async function resetMidBody(
  exchange: SandboxExchange,
  answer: SandboxResponse,
): Promise<void> {
  const { response } = exchange;
  const bytes = bodyBytes(answer);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': bytes.length });
  await new Promise<void>((resolve) => {
    response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => resolve());
  });
  exchange.request.socket.resetAndDestroy();
  response.destroy();
}

/** Headers at once, then the body a few bytes at a time, until done or the peer leaves. */
export async function trickle(
  exchange: SandboxExchange,
  answer: SandboxResponse,
  bytesPerSecond: number,
  closing: AbortSignal,
): Promise<void> {
  const { response } = exchange;
  const bytes = bodyBytes(answer);
  const chunkBytes = Math.max(1, Math.floor(bytesPerSecond / 10));
  const pauseMs = Math.max(1, Math.round((chunkBytes / bytesPerSecond) * 1_000));
  response.writeHead(answer.status, { ...answer.headers, 'content-length': bytes.length });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    if (response.destroyed || closing.aborted) {
      return;
    }

    response.write(bytes.subarray(offset, offset + chunkBytes));
    await delay(pauseMs, undefined, { signal: closing }).catch(() => undefined);
  }

  response.end();
}
