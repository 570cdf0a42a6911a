import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/sandbox/http.js';
import { startSandbox, type Sandbox, type SandboxCall } from '../../src/sandbox/server.js';
import { NOW, call } from './helpers.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});

afterAll(async () => {
  await sandbox.close();
});

describe('call recording', () => {
  it('records method, path, query and authorization of each Pelm request', async () => {
    sandbox.resetCalls();
    const before = Date.now();
    await call(sandbox, '/intervals?account_id=a%20b&type=GAS&type=ELECTRIC');
    await call(sandbox, '/users/bob', { method: 'DELETE', token: 'sandbox-user-1' });
    await call(sandbox, '/nowhere', { token: null });

    expect(sandbox.calls.map(({ receivedAt: _, socketId: __, ...rest }) => rest)).toEqual([
      {
        method: 'GET',
        path: '/intervals',
        query: { account_id: 'a b', type: 'GAS' },
        authorization: 'Bearer sandbox-bob',
      },
      { method: 'DELETE', path: '/users/bob', query: {}, authorization: 'Bearer sandbox-user-1' },
      { method: 'GET', path: '/nowhere', query: {}, authorization: null },
    ]);
    for (const recorded of sandbox.calls) {
      expect(recorded.receivedAt).toBeGreaterThanOrEqual(before);
      expect(recorded.socketId).toBeGreaterThan(0);
    }
  });

  it('serves the log at /_sandbox/calls, without recording admin requests', async () => {
    sandbox.resetCalls();
    await call(sandbox, '/accounts');
    const log = await call(sandbox, '/_sandbox/calls', { token: null });
    const health = await call(sandbox, '/_sandbox/health', { token: null });

    expect(log.status).toBe(200);
    expect((log.json as SandboxCall[]).map((entry) => entry.path)).toEqual(['/accounts']);
    expect(health.json).toStrictEqual({ ok: true });
    expect(sandbox.calls).toHaveLength(1);
  });

  it('clears the log on DELETE /_sandbox/calls and on resetCalls()', async () => {
    await call(sandbox, '/accounts');
    const cleared = await call(sandbox, '/_sandbox/calls', { method: 'DELETE', token: null });

    expect(cleared.status).toBe(204);
    expect(sandbox.calls).toHaveLength(0);
    await call(sandbox, '/accounts');
    sandbox.resetCalls();
    expect((await call(sandbox, '/_sandbox/calls', { token: null })).json).toEqual([]);
  });

  it('answers 404 and 405 on admin paths it does not have', async () => {
    expect((await call(sandbox, '/_sandbox/nothing-here', { token: null })).status).toBe(404);
    const wrong = await call(sandbox, '/_sandbox/health', { method: 'POST', token: null });

    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });
});

describe('hooks', () => {
  it('lets a hook answer in place of Pelm, then removes it', async () => {
    const remove = sandbox.addHook({
      beforeRoute: ({ call: request }) =>
        request.path === '/accounts'
          ? errorResponse(503, 'internal_error', 'Injected outage.')
          : undefined,
    });
    const injected = await call(sandbox, '/accounts');
    const untouched = await call(sandbox, '/users/bob');
    remove();
    const restored = await call(sandbox, '/accounts');

    expect(injected.status).toBe(503);
    expect(injected.json).toStrictEqual({
      error_code: 'internal_error',
      message: 'Injected outage.',
    });
    expect(untouched.status).toBe(200);
    expect(restored.status).toBe(200);
  });

  it('lets a hook rewrite the routed answer, such as truncating the JSON', async () => {
    const remove = sandbox.addHook({
      afterRoute: (_exchange, response) => ({
        ...response,
        body: String(response.body).slice(0, 10),
      }),
    });
    const reply = await call(sandbox, '/accounts');
    remove();

    expect(reply.status).toBe(200);
    expect(reply.text).toHaveLength(10);
    expect(reply.json).toBeUndefined();
  });

  it('lets a hook take over the connection, such as cutting it', async () => {
    const remove = sandbox.addHook({
      beforeRoute: ({ request }) => {
        request.socket.destroy();

        return 'handled';
      },
    });
    await expect(fetch(`${sandbox.url}/accounts`)).rejects.toThrow();
    remove();
    expect((await call(sandbox, '/accounts')).status).toBe(200);
  });
});

describe('options', () => {
  it('delays each Pelm answer by latencyMs but not the admin routes', async () => {
    const slow = await startSandbox({ now: NOW, latencyMs: 150 });
    try {
      let started = performance.now();
      await call(slow, '/accounts');
      const pelm = performance.now() - started;
      started = performance.now();
      await call(slow, '/_sandbox/health', { token: null });
      const admin = performance.now() - started;

      expect(pelm).toBeGreaterThanOrEqual(145);
      expect(admin).toBeLessThan(145);
    } finally {
      await slow.close();
    }
  });

  it('closes while a delayed request is still waiting', async () => {
    const slow = await startSandbox({ now: NOW, latencyMs: 5000 });
    const pending = fetch(`${slow.url}/accounts`).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await slow.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });

  it('rejects options out of range with a message naming the option', async () => {
    await expect(startSandbox({ port: 70_000 })).rejects.toThrow(
      'Sandbox option port must be at most 65535, got 70000.',
    );
    await expect(startSandbox({ latencyMs: -1 })).rejects.toThrow(
      'Sandbox option latencyMs must be a finite number of at least 0, got -1.',
    );
    await expect(startSandbox({ syncSeconds: Number.NaN })).rejects.toThrow(/syncSeconds/);
  });

  it('follows the real clock when now is not pinned', async () => {
    const live = await startSandbox();
    try {
      const hourBefore = Math.floor(Date.now() / 1000 / 3600) * 3600;
      const [account] = (await call(live, '/accounts')).json as { id: string }[];
      const reply = await call(
        live,
        `/intervals?account_id=${account?.id ?? ''}&type=ELECTRIC&start_date=${Math.floor(Date.now() / 1000) - 7200}`,
      );
      const intervals = (reply.json as { intervals: { end: number }[] }).intervals;

      const hourAfter = Math.floor(Date.now() / 1000 / 3600) * 3600;

      expect([hourBefore, hourAfter]).toContain(intervals.at(-1)?.end);
    } finally {
      await live.close();
    }
  });
});
