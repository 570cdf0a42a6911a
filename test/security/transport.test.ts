import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import { pelmAccount, startFakePelm, type FakePelm } from '../helpers/fake-pelm.js';

/** Pelm (or a proxy before it) inviting every cache to keep its answers. */
const PUBLIC_CACHING = { 'cache-control': 'public, max-age=300' };
const APP_ORIGIN = 'https://app.example.com';
const QUERY = '{user{accounts{id}}}';

let fake: FakePelm;
let client: PelmClient;
let gateway: Gateway;

beforeAll(async () => {
  fake = await startFakePelm({
    'GET /accounts': (call) =>
      call.authorization === 'Bearer sandbox-bob'
        ? { json: [pelmAccount('acct-bob')], headers: PUBLIC_CACHING }
        : { status: 401, json: { error_code: 'token_invalid' }, headers: PUBLIC_CACHING },
  });
  client = new PelmClient({ baseUrl: fake.url, logger: createSilentLogger() });
  gateway = createGateway({
    source: client,
    logger: createSilentLogger(),
    security: { corsOrigins: [APP_ORIGIN] },
  });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});
beforeEach(() => {
  fake.calls.length = 0;
});

async function send(path: string, init: RequestInit = {}) {
  const response = await gateway.fetch(`http://gateway${path}`, init);
  const text = await response.text();

  return { response, text, codes: codes(text) };
}

function codes(text: string): unknown[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> };

    return (body.errors ?? []).map((error) => error.extensions?.code);
  } catch {
    return [];
  }
}

describe('credentials come only from the Authorization header', () => {
  it('ignores a token in the query string', async () => {
    const { text, codes: found } = await send(
      `/graphql?query=${encodeURIComponent(QUERY)}&access_token=sandbox-bob`,
      { headers: { 'x-graphql-csrf': '1' } },
    );

    expect(found).toEqual(['UNAUTHENTICATED']);
    expect(text).not.toContain('acct-bob');
    expect(fake.calls).toEqual([]);
  });

  it('ignores a token in a cookie', async () => {
    const { text, codes: found } = await send(`/graphql?query=${encodeURIComponent(QUERY)}`, {
      headers: { cookie: 'token=sandbox-bob', 'x-graphql-csrf': '1' },
    });

    expect(found).toEqual(['UNAUTHENTICATED']);
    expect(text).not.toContain('acct-bob');
    expect(fake.calls).toEqual([]);
  });

  it('refuses a GET without the CSRF header even with a query-string token', async () => {
    const { response, codes: found } = await send(
      `/graphql?query=${encodeURIComponent(QUERY)}&access_token=sandbox-bob`,
    );

    expect(response.status).toBe(403);
    expect(found).toEqual(['BAD_REQUEST']);
    expect(fake.calls).toEqual([]);
  });
});

describe('requests a browser could forge across sites are refused', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a POST with Content-Type %s with HTTP 415 and no upstream call',
    async (type) => {
      const { response, codes: found } = await send('/graphql', {
        method: 'POST',
        headers: { authorization: 'Bearer sandbox-bob', 'content-type': type },
        body: JSON.stringify({ query: QUERY }),
      });

      expect(response.status).toBe(415);
      expect(found).toEqual(['BAD_REQUEST']);
      expect(fake.calls).toEqual([]);
    },
  );

  it('reads a JSON POST whatever the case of its media type', async () => {
    const { response, text } = await send('/graphql', {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-bob', 'content-type': 'APPLICATION/JSON' },
      body: JSON.stringify({ query: QUERY }),
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { user: { accounts: [{ id: 'acct-bob' }] } } });
  });

  it('refuses a compressed body with HTTP 415 rather than reading it as broken JSON', async () => {
    const { response, codes: found } = await send('/graphql', {
      method: 'POST',
      headers: {
        authorization: 'Bearer sandbox-bob',
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: new Uint8Array([0x1f, 0x8b, 0x08, 0x00]),
    });

    expect(response.status).toBe(415);
    expect(found).toEqual(['BAD_REQUEST']);
    expect(fake.calls).toEqual([]);
  });

  it('refuses a body that is not JSON with HTTP 400, without quoting it back', async () => {
    const {
      response,
      text,
      codes: found,
    } = await send('/graphql', {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-bob', 'content-type': 'application/json' },
      body: '{"query": "{ user { id } }", secret-marker',
    });

    expect(response.status).toBe(400);
    expect(found).toEqual(['BAD_REQUEST']);
    expect(text).not.toContain('secret-marker');
    expect(text).not.toContain('originalError');
    expect(fake.calls).toEqual([]);
  });

  it('refuses a GET carrying a query from a foreign origin without the CSRF header', async () => {
    const {
      response,
      text,
      codes: found,
    } = await send(`/graphql?query=${encodeURIComponent(QUERY)}`, {
      headers: { authorization: 'Bearer sandbox-bob', origin: 'https://evil.example' },
    });

    expect(response.status).toBe(403);
    expect(found).toEqual(['BAD_REQUEST']);
    expect(text).not.toContain('acct-bob');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(fake.calls).toEqual([]);
  });

  it('answers a mutation sent over GET with HTTP 405 and Allow: POST', async () => {
    const { response } = await send(
      `/graphql?query=${encodeURIComponent('mutation { connect }')}`,
      { headers: { authorization: 'Bearer sandbox-bob', 'x-graphql-csrf': '1' } },
    );

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(fake.calls).toEqual([]);
  });
});

describe('answers stay private', () => {
  it('serves a GET with the CSRF header as no-store, varying on Authorization', async () => {
    const { response, text } = await send(`/graphql?query=${encodeURIComponent(QUERY)}`, {
      headers: { authorization: 'Bearer sandbox-bob', 'x-graphql-csrf': '1' },
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { user: { accounts: [{ id: 'acct-bob' }] } } });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('vary')?.split(/,\s*/)).toContain('Authorization');
    expect(fake.calls.map((call) => call.path)).toEqual(['/accounts']);
  });

  it('marks error answers no-store too', async () => {
    const { response } = await send('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });

    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    send('/graphql', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('gives a foreign origin no CORS grant at all', async () => {
    const { response } = await preflight('https://evil.example');

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(fake.calls).toEqual([]);
  });

  it('lets the configured origin through a browser-style preflight, then the request', async () => {
    const { response } = await preflight(APP_ORIGIN);

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type, x-graphql-csrf',
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();

    const actual = await send('/graphql', {
      method: 'POST',
      headers: {
        origin: APP_ORIGIN,
        authorization: 'Bearer sandbox-bob',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(actual.response.status).toBe(200);
    expect(actual.response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(JSON.parse(actual.text)).toEqual({ data: { user: { accounts: [{ id: 'acct-bob' }] } } });

    const get = await send(`/graphql?query=${encodeURIComponent(QUERY)}`, {
      headers: { origin: APP_ORIGIN, authorization: 'Bearer sandbox-bob', 'x-graphql-csrf': '1' },
    });
    expect(get.response.status).toBe(200);
    expect(get.response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
  });

  it('allows no cross-origin caller when no origin is configured', async () => {
    const closed = createGateway({ source: client, logger: createSilentLogger() });
    const response = await closed.fetch('http://gateway/graphql', {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' },
    });

    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the per-token rate limit', () => {
  it('answers RATE_LIMITED with Retry-After past the limit, for that token only', async () => {
    let nowMs = 1_000_000;
    const limited = createGateway({
      source: client,
      logger: createSilentLogger(),
      security: { rateLimit: { limit: 3, windowMs: 60_000, nowMs: () => nowMs } },
    });
    const post = (token: string) =>
      limited.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY }),
      });

    for (let index = 0; index < 3; index += 1) {
      expect((await post('sandbox-bob')).status).toBe(200);
    }

    nowMs += 20_000;
    const refused = await post('sandbox-bob');
    const body = (await refused.json()) as {
      errors: Array<{ extensions: Record<string, unknown> }>;
    };
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('40');
    expect(body.errors.map((error) => error.extensions)).toEqual([
      { code: 'RATE_LIMITED', retryAfter: 40 },
    ]);
    expect(fake.calls.filter((call) => call.path === '/accounts')).toHaveLength(3);

    // Another token has its own budget.
    expect((await post('another-token')).status).toBe(200);

    nowMs += 40_000;
    expect((await post('sandbox-bob')).status).toBe(200);
  });
});
