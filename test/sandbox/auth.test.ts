import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NOW, call } from './helpers.js';

const CLIENT = { 'pelm-client-id': 'client-123', 'pelm-secret': 'secret-456' };

let open: Sandbox;
let guarded: Sandbox;

beforeAll(async () => {
  open = await startSandbox({ now: NOW });
  guarded = await startSandbox({ now: NOW, clientId: 'client-123', secret: 'secret-456' });
});

afterAll(async () => {
  await Promise.all([open.close(), guarded.close()]);
});

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

describe('client credentials', () => {
  const invalid = {
    error_code: 'credentials_invalid',
    message: 'The Pelm-Client-Id and Pelm-Secret headers do not match a registered client.',
  };

  it('answers 401 credentials_invalid before looking at the access token', async () => {
    const none = await call(guarded, '/accounts');
    const wrongSecret = await call(guarded, '/accounts', {
      headers: { ...CLIENT, 'pelm-secret': 'nope' },
    });
    const idOnly = await call(guarded, '/accounts', {
      headers: { 'pelm-client-id': 'client-123' },
    });

    for (const reply of [none, wrongSecret, idOnly]) {
      expect(reply.status).toBe(401);
      expect(reply.json).toStrictEqual(invalid);
    }
  });

  it('then requires a valid access token', async () => {
    const noToken = await call(guarded, '/accounts', { token: null, headers: CLIENT });
    const ok = await call(guarded, '/accounts', { headers: CLIENT });

    expect(noToken.status).toBe(401);
    expect(noToken.json).toMatchObject({ error_code: 'token_invalid' });
    expect(ok.status).toBe(200);
  });

  it('guards the auth endpoints too', async () => {
    const reply = await call(guarded, '/auth/connect-token', {
      method: 'POST',
      token: null,
      body: form({ user_id: 'u-1' }),
    });
    const ok = await call(guarded, '/auth/connect-token', {
      method: 'POST',
      token: null,
      headers: CLIENT,
      body: form({ user_id: 'u-1' }),
    });

    expect(reply.json).toStrictEqual(invalid);
    expect(ok.status).toBe(200);
  });

  it('is not checked when the sandbox has none configured', async () => {
    expect((await call(open, '/accounts')).status).toBe(200);
  });
});

describe('POST /auth/connect-token', () => {
  async function connect(body: URLSearchParams | FormData | string, contentType?: string) {
    return call(open, '/auth/connect-token', {
      method: 'POST',
      token: null,
      body,
      ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
    });
  }

  it('mints a deterministic token per user, valid 1800 s', async () => {
    const first = await connect(form({ user_id: 'customer-1' }));
    const again = await connect(form({ user_id: 'customer-1' }));
    const other = await connect(form({ user_id: 'customer-2' }));
    const body = first.json as { connect_token: string; expires_in: number };

    expect(first.status).toBe(200);
    expect(Object.keys(body)).toEqual(['connect_token', 'expires_in']);
    expect(body.expires_in).toBe(1800);
    expect(body.connect_token).toMatch(/^sandbox-connect-[\w-]{32}$/);
    expect(again.json).toStrictEqual(body);
    expect((other.json as { connect_token: string }).connect_token).not.toBe(body.connect_token);
  });

  it('takes multipart and JSON bodies as well as form encoding', async () => {
    const multipart = new FormData();
    multipart.set('user_id', 'customer-1');
    const expected = (await connect(form({ user_id: 'customer-1' }))).json;

    expect((await connect(multipart)).json).toStrictEqual(expected);
    expect(
      (await connect(JSON.stringify({ user_id: 'customer-1' }), 'application/json')).json,
    ).toStrictEqual(expected);
  });

  it('requires user_id', async () => {
    for (const body of [form({}), form({ user_id: '' }), form({ utility_slug: 'pge' })]) {
      const reply = await connect(body);

      expect(reply.status).toBe(400);
      expect(reply.json).toStrictEqual({
        error_code: 'parameter_missing',
        message: 'user_id is required.',
      });
    }
  });

  it('refuses utility_slug together with utility_id', async () => {
    const reply = await connect(form({ user_id: 'c', utility_slug: 'pge', utility_id: '1' }));

    expect(reply.status).toBe(400);
    expect(reply.json).toStrictEqual({
      error_code: 'parameter_invalid',
      message: 'Send utility_slug or the deprecated utility_id, not both.',
    });
  });

  it('refuses a body that is not valid JSON', async () => {
    const reply = await connect('{"user_id":', 'application/json');

    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error_code: 'parameter_invalid' });
  });
});

describe('POST /auth/token', () => {
  async function exchange(fields: Record<string, string>) {
    return call(open, '/auth/token', { method: 'POST', token: null, body: form(fields) });
  }

  it('exchanges sandbox-code-<token> for that token', async () => {
    const reply = await exchange({ code: 'sandbox-code-sandbox-user-12', grant_type: 'code' });
    const body = reply.json as Record<string, unknown>;

    expect(reply.status).toBe(200);
    expect(body).toMatchObject({
      access_token: 'sandbox-user-12',
      access_token_expires_in: 3600,
      refresh_token_expires_in: 31_536_000,
    });
    expect(Object.keys(body)).toEqual([
      'access_token',
      'access_token_expires_in',
      'refresh_token',
      'refresh_token_expires_in',
    ]);
    expect(body.refresh_token).toMatch(/^sandbox-refresh-/);
  });

  it('requires code', async () => {
    const reply = await exchange({ grant_type: 'code' });

    expect(reply.status).toBe(400);
    expect(reply.json).toStrictEqual({
      error_code: 'parameter_missing',
      message: 'code is required.',
    });
  });

  it('refuses codes that do not name a sandbox token', async () => {
    for (const code of ['abc', 'sandbox-code-', 'sandbox-code-unknown', 'sandbox-bob']) {
      const reply = await exchange({ code });

      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ error_code: 'parameter_invalid' });
    }
  });
});

describe('GET and DELETE /users/{user_id}', () => {
  it('reports a stale login with credentials_valid false', async () => {
    const reply = await call(open, '/users/stale', { token: 'sandbox-stale' });

    expect(reply.json).toStrictEqual({
      id: 'stale',
      utility: { id: 1, full_name: 'Pacific Gas and Electric' },
      utility_username: 'stale@example.com',
      credentials_valid: false,
    });
    expect((await call(open, '/accounts', { token: 'sandbox-stale' })).status).toBe(200);
  });

  it('names the utility of SCE and SoCalGas users', async () => {
    const sce = await call(open, '/users/alice-sce', { token: 'sandbox-alice-sce' });
    const gas = await call(open, '/users/alice-socalgas', { token: 'sandbox-alice-socalgas' });

    expect(sce.json).toMatchObject({ utility: { id: 2, full_name: 'Southern California Edison' } });
    expect(gas.json).toMatchObject({
      utility: { id: 3, full_name: 'Southern California Gas Company' },
    });
  });

  it('deletes the user: 204 without a body, then the token is refused everywhere', async () => {
    const sandbox = await startSandbox({ now: NOW });
    try {
      const token = 'sandbox-user-4242';
      const denied = await call(sandbox, '/users/bob', { method: 'DELETE', token });
      const deleted = await call(sandbox, '/users/user-4242', { method: 'DELETE', token });

      expect(denied.status).toBe(403);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      for (const path of ['/accounts', '/bills', '/users/user-4242']) {
        const reply = await call(sandbox, path, { token });

        expect(reply.status).toBe(401);
        expect(reply.json).toMatchObject({ error_code: 'token_invalid' });
      }

      expect(
        (
          await call(sandbox, '/auth/token', {
            method: 'POST',
            token: null,
            body: form({ code: `sandbox-code-${token}` }),
          })
        ).status,
      ).toBe(400);
      expect((await call(sandbox, '/accounts', { token: 'sandbox-user-4243' })).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
