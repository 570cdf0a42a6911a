import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { call, NOW } from './helpers.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.faults.clear();
  sandbox.faults.resetHits();
});

/** A raw GET that reports what arrived before the connection ended, error or not. */
function rawGet(path: string, timeoutMs = 2_000) {
  return new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    const request = httpRequest(`${sandbox.url}${path}`, {
      headers: { authorization: 'Bearer sandbox-bob', connection: 'close' },
    });
    const finish = (error?: string) =>
      resolve({
        ...(status === undefined ? {} : { status }),
        body: Buffer.concat(chunks).toString('utf8'),
        ...(error === undefined ? {} : { error }),
      });
    const timer = setTimeout(() => request.destroy(new Error('timeout')), timeoutMs);
    request.on('close', () => clearTimeout(timer));
    request.on('response', (response) => {
      status = response.statusCode;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish());
      response.on('error', (error) => finish(error.message));
    });
    request.on('error', (error) => finish(error.message));
    request.end();
  });
}

describe('sandbox fault switches', () => {
  it('answers 502, 503 and 504 with an internal_error body', async () => {
    for (const status of [502, 503, 504]) {
      sandbox.faults.clear();
      sandbox.faults.add({ kind: 'status', status, route: 'GET /accounts' });
      const reply = await call(sandbox, '/accounts');

      expect(reply.status).toBe(status);
      expect(reply.json).toMatchObject({ error_code: 'internal_error' });
    }
  });

  it('answers a large filler body when asked, with its length', async () => {
    sandbox.faults.add({ kind: 'status', status: 500, bodyBytes: 300_000 });
    const reply = await call(sandbox, '/accounts');

    expect(reply.status).toBe(500);
    expect(reply.text).toHaveLength(300_000);
  });

  it('limits a fault to one route, one token and the first N calls', async () => {
    sandbox.faults.add({ kind: 'quota', route: 'GET /accounts', token: 'sandbox-bob', times: 2 });

    const statuses = [
      (await call(sandbox, '/accounts')).status,
      (await call(sandbox, '/accounts', { token: 'sandbox-alice-sce' })).status,
      (await call(sandbox, '/bills')).status,
      (await call(sandbox, '/accounts')).status,
      (await call(sandbox, '/accounts')).status,
    ];

    expect(statuses).toEqual([402, 200, 200, 402, 200]);
    expect(sandbox.faults.list()[0]?.hits).toBe(2);
  });

  it('answers 402 quota_reached', async () => {
    sandbox.faults.add({ kind: 'quota' });
    const reply = await call(sandbox, '/bills');

    expect(reply.status).toBe(402);
    expect(reply.json).toMatchObject({ error_code: 'quota_reached' });
  });

  it('answers 429 with Retry-After in seconds or as an HTTP date', async () => {
    sandbox.faults.add({ kind: 'rate-limit', retryAfterSeconds: 2, times: 1 });
    sandbox.faults.add({ kind: 'rate-limit', retryAfterSeconds: 3, retryAfterForm: 'date' });
    const seconds = await call(sandbox, '/accounts');
    const date = await call(sandbox, '/accounts');
    const dateMs = Date.parse(date.headers.get('retry-after') ?? '');

    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('2');
    expect(date.status).toBe(429);
    expect(dateMs - Date.now()).toBeGreaterThan(1_000);
    expect(dateMs - Date.now()).toBeLessThanOrEqual(3_000);
  });

  it('answers HTML instead of JSON', async () => {
    sandbox.faults.add({ kind: 'html' });
    const reply = await call(sandbox, '/accounts');

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
    expect(reply.json).toBeUndefined();
  });

  it('answers invalid JSON, and truncated JSON as a complete message', async () => {
    sandbox.faults.add({ kind: 'invalid-json', times: 1 });
    sandbox.faults.add({ kind: 'truncated-json', times: 1 });
    const invalid = await call(sandbox, '/accounts');
    const truncated = await call(sandbox, '/accounts');
    const whole = await call(sandbox, '/accounts');

    expect(invalid.status).toBe(200);
    expect(invalid.json).toBeUndefined();
    expect(truncated.json).toBeUndefined();
    expect(truncated.text).toBe(whole.text.slice(0, Math.floor(whole.text.length / 2)));
  });

  it('adds Cache-Control: public to real answers', async () => {
    sandbox.faults.add({ kind: 'public-cache' });
    const reply = await call(sandbox, '/accounts');

    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('adds latency before the normal answer', async () => {
    sandbox.faults.add({ kind: 'latency', latencyMs: 300 });
    const startedMs = Date.now();
    const reply = await call(sandbox, '/accounts');

    expect(reply.status).toBe(200);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(290);
  });

  it('never sends headers, and records when the caller gives up', async () => {
    sandbox.faults.add({ kind: 'hang', route: '/accounts' });
    const reply = await rawGet('/accounts', 300);

    expect(reply).toEqual({ body: '', error: 'timeout' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sandbox.faults.hits.map((hit) => [hit.kind, hit.closedAt !== null])).toEqual([
      ['hang', true],
    ]);
  });

  it('resets the connection mid-body', async () => {
    sandbox.faults.add({ kind: 'reset-mid-body' });
    const reply = await rawGet('/accounts');

    expect(reply.status).toBe(200);
    expect(reply.error).toMatch(/aborted|ECONNRESET|socket hang up/);
    expect(reply.body.length).toBeGreaterThan(0);
  });

  it('trickles the body at the asked rate', async () => {
    sandbox.faults.add({ kind: 'trickle', bytesPerSecond: 20 });
    const startedMs = Date.now();
    const reply = await rawGet('/accounts', 1_000);

    expect(reply.status).toBe(200);
    expect(reply.error).toBe('timeout');
    expect(reply.body.length).toBeGreaterThan(5);
    expect(reply.body.length).toBeLessThan(40);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(990);
  });

  it('closes a kept-alive connection when the next request arrives on it', async () => {
    sandbox.faults.add({ kind: 'close-keep-alive' });
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connections: 1 });
    const get = () =>
      request(`${sandbox.url}/accounts`, {
        dispatcher: agent,
        headers: { authorization: 'Bearer sandbox-bob' },
      }).then(
        async (response) => {
          await response.body.dump();

          return response.statusCode;
        },
        (error: { code?: string }) => error.code,
      );

    try {
      expect(await get()).toBe(200);
      expect(await get()).toBe('UND_ERR_SOCKET');
      expect(await get()).toBe(200);
    } finally {
      await agent.close();
    }
  });

  it('counts open connections and the most open at once', async () => {
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connections: 2 });
    // Slow answers, so the agent needs both of its connections.
    sandbox.faults.add({ kind: 'latency', latencyMs: 50 });
    sandbox.faults.resetSocketStats();
    const before = sandbox.faults.sockets.open;
    try {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          request(`${sandbox.url}/accounts`, {
            dispatcher: agent,
            headers: { authorization: 'Bearer sandbox-bob' },
          }).then((response) => response.body.dump()),
        ),
      );

      // Keep-alive connections of earlier tests may still be open, or close meanwhile.
      expect(sandbox.faults.sockets.maxOpen).toBeGreaterThanOrEqual(2);
      expect(sandbox.faults.sockets.maxOpen).toBeLessThanOrEqual(before + 2);
    } finally {
      await agent.close();
    }
  });
});

describe('fault admin routes', () => {
  it('switches faults on and off over HTTP, for a sandbox in another process', async () => {
    const added = await call(sandbox, '/_sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ kind: 'status', status: 502, route: 'GET /bills', times: 3 }]),
    });
    const listed = await call(sandbox, '/_sandbox/faults');
    const during = await call(sandbox, '/bills');
    const removed = await call(sandbox, '/_sandbox/faults', { method: 'DELETE' });
    const after = await call(sandbox, '/bills');

    expect(added.status).toBe(201);
    expect(listed.json).toMatchObject({
      faults: [{ spec: { kind: 'status', status: 502, route: 'GET /bills', times: 3 } }],
    });
    expect(during.status).toBe(502);
    expect(removed.status).toBe(204);
    expect(after.status).toBe(200);
    expect(sandbox.calls.filter((c) => c.path.startsWith('/_sandbox'))).toEqual([]);
  });

  it('refuses a spec it does not know, naming the field', async () => {
    const reply = await call(sandbox, '/_sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'status', times: 0 }),
    });

    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error_code: 'parameter_invalid' });
    expect((reply.json as { message: string }).message).toMatch(/^0\.times /);
    expect(() => sandbox.faults.add({ kind: 'status', route: 'accounts' })).toThrow(/route/);
  });
});
