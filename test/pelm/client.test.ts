import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PelmClient, type PelmCallEvent, type PelmClientOptions } from '../../src/pelm/client.js';
import { PelmError, type PelmErrorCode } from '../../src/pelm/errors.js';
import { createLogger } from '../../src/logger.js';

const TOKEN = 'tok.en-SECRET_value';
const CLIENT_ID = 'client-7';
const SECRET = 'shh-operator-secret';
/** Upstream text that must never travel into our errors or logs. */
const UPSTREAM_TEXT = 'pg: connection refused 10.0.3.7';
const CALL = { token: TOKEN };

const ACCOUNTS_SAMPLE = readFileSync(
  new URL('../fixtures/pelm-samples/accounts.sandbox.json', import.meta.url),
  'utf8',
);

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A Pelm stand-in on port 0 that records every request and lets `handler` answer it. */
async function fakePelm(handler: Handler): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      // The client may hang up mid-answer on purpose; that is not a test failure.
      response.on('error', () => undefined);
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;

  return { url: `http://127.0.0.1:${port}`, seen };
}

/** Each test here is about one request: retries and breakers have their own tests. */
function clientFor(baseUrl: string, options: Partial<PelmClientOptions> = {}): PelmClient {
  const client = new PelmClient({
    baseUrl,
    clientId: CLIENT_ID,
    secret: SECRET,
    retry: false,
    breaker: false,
    ...options,
  });
  cleanups.push(() => client.close());

  return client;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

function text(status: number, body: string, contentType = 'text/html'): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('Expected the call to fail.');
    },
    (error: unknown) => error,
  );
}

async function pelmFailure(promise: Promise<unknown>): Promise<PelmError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(PelmError);
  expectNoLeak(error);

  return error as PelmError;
}

/** Message, stack and causes, all the way down. */
function textOf(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) {
    return String(error);
  }

  return `${error.name}: ${error.message}\n${error.stack ?? ''}\n${textOf(error.cause, depth + 1)}`;
}

function expectNoLeak(error: unknown): void {
  const all = textOf(error);
  for (const forbidden of [TOKEN, SECRET, UPSTREAM_TEXT]) {
    expect(all).not.toContain(forbidden);
  }
}

describe('requests', () => {
  it('sends accept, both client headers and the bearer token on data calls', async () => {
    const pelm = await fakePelm(json(200, []));
    await clientFor(pelm.url).getAccounts(CALL);

    const [request] = pelm.seen;
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/accounts');
    expect(request?.headers).toMatchObject({
      accept: 'application/json',
      'pelm-client-id': CLIENT_ID,
      'pelm-secret': SECRET,
      authorization: `Bearer ${TOKEN}`,
    });
    expect(request?.headers['content-type']).toBeUndefined();
  });

  it('leaves out client headers that are not configured or empty', async () => {
    const pelm = await fakePelm(json(200, []));
    await clientFor(pelm.url, { clientId: undefined, secret: '' }).getAccounts(CALL);

    expect(pelm.seen[0]?.headers['pelm-client-id']).toBeUndefined();
    expect(pelm.seen[0]?.headers['pelm-secret']).toBeUndefined();
    expect(pelm.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('posts a form without bearer token to /auth/connect-token', async () => {
    const pelm = await fakePelm(json(200, { connect_token: 'ct', expires_in: 1800 }));
    const token = await clientFor(pelm.url).createConnectToken({
      userId: 'user 1&2',
      utilitySlug: 'pge',
    });

    expect(token).toEqual({ connectToken: 'ct', expiresIn: 1800 });
    const [request] = pelm.seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/auth/connect-token');
    expect(request?.body).toBe('user_id=user+1%262&utility_slug=pge');
    expect(request?.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'pelm-client-id': CLIENT_ID,
      'pelm-secret': SECRET,
    });
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('posts the authorization code as a form to /auth/token', async () => {
    const pelm = await fakePelm(json(200, { access_token: 'at', refresh_token: 'r' }));
    const token = await clientFor(pelm.url).exchangeAuthorizationCode('a/b=c');

    expect(token).toEqual({ accessToken: 'at' });
    expect(pelm.seen[0]?.url).toBe('/auth/token');
    expect(pelm.seen[0]?.body).toBe('code=a%2Fb%3Dc');
    expect(pelm.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('builds exact interval query strings, dates in plain epoch seconds', async () => {
    const pelm = await fakePelm(json(200, { intervals: [] }));
    const client = clientFor(pelm.url);
    await client.getIntervals(CALL, {
      accountId: 'ea1',
      type: 'GAS',
      startDate: 2147472000,
      endDate: 4102444800,
    });
    await client.getIntervals(CALL, { meterId: 'm/1 2' });
    await client.getIntervals(CALL, { accountId: 'ea1', type: 'ELECTRIC', endDate: 0 });

    expect(pelm.seen.map((request) => request.url)).toEqual([
      '/intervals?account_id=ea1&type=GAS&start_date=2147472000&end_date=4102444800',
      '/intervals?meter_id=m%2F1+2',
      '/intervals?account_id=ea1&type=ELECTRIC&end_date=0',
    ]);
  });

  it('asks for all bills or one account', async () => {
    const pelm = await fakePelm(json(200, []));
    const client = clientFor(pelm.url);
    await client.getBills(CALL);
    await client.getBills(CALL, { accountId: 'a&1' });

    expect(pelm.seen.map((request) => request.url)).toEqual(['/bills', '/bills?account_id=a%261']);
  });

  it('encodes path segments, dots included', async () => {
    const pelm = await fakePelm(json(200, { id: 'u' }));
    const client = clientFor(pelm.url);
    await client.getUser(CALL, 'user/1 ?#');
    await client.getUser(CALL, '..');

    expect(pelm.seen.map((request) => request.url)).toEqual([
      '/users/user%2F1%20%3F%23',
      '/users/%2E%2E',
    ]);
  });

  it('keeps a path prefix of the base URL', async () => {
    const pelm = await fakePelm(json(200, []));
    await clientFor(`${pelm.url}/pelm/`).getAccounts(CALL);

    expect(pelm.seen[0]?.url).toBe('/pelm/accounts');
  });

  it.each([
    ['a fractional start date', { accountId: 'a', type: 'GAS' as const, startDate: 1.5 }],
    ['a negative end date', { accountId: 'a', type: 'GAS' as const, endDate: -1 }],
    ['an exponent-sized date', { accountId: 'a', type: 'GAS' as const, endDate: 1e300 }],
    ['an empty account id', { accountId: '', type: 'GAS' as const }],
    ['an empty meter id', { meterId: '' }],
  ])('refuses %s with BAD_USER_INPUT before calling Pelm', async (_label, query) => {
    const pelm = await fakePelm(json(200, { intervals: [] }));
    const error = await pelmFailure(clientFor(pelm.url).getIntervals(CALL, query));

    expect(error.code).toBe('BAD_USER_INPUT');
    expect(pelm.seen).toHaveLength(0);
  });

  it.each([[''], ['two words'], ['line\nbreak']])(
    'refuses the malformed token %j with UNAUTHENTICATED before calling Pelm',
    async (token) => {
      const pelm = await fakePelm(json(200, []));
      const error = await pelmFailure(clientFor(pelm.url).getAccounts({ token }));

      expect(error.code).toBe('UNAUTHENTICATED');
      expect(pelm.seen).toHaveLength(0);
    },
  );

  it('rejects bad options at construction, naming the option', () => {
    expect(() => new PelmClient({ baseUrl: 'ftp://x' })).toThrow(/baseUrl.*"ftp:\/\/x"/);
    expect(() => new PelmClient({ baseUrl: 'https://u:pw-123@x' })).toThrow(/baseUrl/);
    expect(() => new PelmClient({ baseUrl: 'https://u:pw-123@x' })).not.toThrow(/pw-123/);
    expect(() => new PelmClient({ baseUrl: 'http://x', connections: 0 })).toThrow(/connections/);
    expect(() => new PelmClient({ baseUrl: 'http://x', secret: 'a b' })).toThrow(/secret/);
    expect(() => new PelmClient({ baseUrl: 'http://x', secret: 'a b' })).not.toThrow(/a b/);
  });
});

describe('responses', () => {
  it('parses accounts from the sandbox sample', async () => {
    const pelm = await fakePelm(text(200, ACCOUNTS_SAMPLE, 'application/json'));
    const accounts = await clientFor(pelm.url).getAccounts(CALL);

    expect(accounts.map((account) => account.id)).toEqual([
      'ea100000-0000-0000-0000-000000000000',
      'ea200000-0000-0000-0000-000000000000',
    ]);
  });

  it('fails only the bill group that does not fit, as UPSTREAM_ERROR', async () => {
    const pelm = await fakePelm(
      json(200, [
        { account_id: 'a1', bills: [{ id: 'b1', start_date: '2150000000' }] },
        { account_id: 'a2', bills: [{ id: 'b2', total_amount_due: UPSTREAM_TEXT }] },
      ]),
    );
    const groups = await clientFor(pelm.url).getBills(CALL);

    expect(groups.get('a1')).toMatchObject([{ id: 'b1', startDate: 2150000000 }]);
    const failed = groups.get('a2');
    expect(failed).toBeInstanceOf(PelmError);
    expect((failed as PelmError).code).toBe('UPSTREAM_ERROR');
    expectNoLeak(failed);
  });

  it('maps a 200 error object from /bills by its error_code', async () => {
    const pelm = await fakePelm(
      json(200, { error_code: 'data_unavailable', message: UPSTREAM_TEXT }),
    );
    const error = await pelmFailure(clientFor(pelm.url).getBills(CALL));

    expect(error.code).toBe('DATA_UNAVAILABLE');
  });

  it.each([[200], [204]])('treats DELETE answered %i as done', async (status) => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(status);
      response.end(status === 204 ? undefined : '{"deleted":true}');
    });
    await expect(clientFor(pelm.url).deleteUser(CALL, 'u1')).resolves.toBeUndefined();

    expect(pelm.seen[0]?.method).toBe('DELETE');
    expect(pelm.seen[0]?.url).toBe('/users/u1');
    expect(pelm.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('returns the bill PDF bytes, asking for application/pdf', async () => {
    const bytes = Buffer.from('%PDF-1.4 fake');
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/pdf' });
      response.end(bytes);
    });
    const pdf = await clientFor(pelm.url).getBillPdf(CALL, 'b 1');

    expect(pdf.contentType).toBe('application/pdf');
    expect(Buffer.from(pdf.body).equals(bytes)).toBe(true);
    expect(pelm.seen[0]?.url).toBe('/bills/b%201/pdf');
    expect(pelm.seen[0]?.headers.accept).toBe('application/pdf');
  });

  it('maps a JSON error answered for a PDF', async () => {
    const pelm = await fakePelm(json(403, { error_code: 'permission_denied' }));
    const error = await pelmFailure(clientFor(pelm.url).getBillPdf(CALL, 'b1'));

    expect(error.code).toBe('FORBIDDEN');
  });

  it('reports each call once to onCall, path without query', async () => {
    const events: PelmCallEvent[] = [];
    const pelm = await fakePelm(json(200, { intervals: [] }));
    await clientFor(pelm.url, { onCall: (event) => events.push(event) }).getIntervals(CALL, {
      meterId: 'm1',
    });

    expect(events).toEqual([
      {
        operation: 'getIntervals',
        method: 'GET',
        path: '/intervals',
        status: 200,
        durationMs: expect.any(Number) as number,
        attempt: 1,
      },
    ]);
  });
});

describe('error table', () => {
  const table: [string, number, string, PelmErrorCode, number | undefined][] = [
    ['401 token_invalid', 401, 'token_invalid', 'UNAUTHENTICATED', undefined],
    ['401 credentials_invalid', 401, 'credentials_invalid', 'UPSTREAM_ERROR', undefined],
    ['403 permission_denied', 403, 'permission_denied', 'FORBIDDEN', undefined],
    ['500 data_unavailable', 500, 'data_unavailable', 'DATA_UNAVAILABLE', 15],
    ['402 quota_reached', 402, 'quota_reached', 'QUOTA_EXCEEDED', undefined],
    ['400 parameter_missing', 400, 'parameter_missing', 'BAD_USER_INPUT', undefined],
    ['400 parameter_invalid', 400, 'parameter_invalid', 'BAD_USER_INPUT', undefined],
    ['400 feature_unavailable', 400, 'feature_unavailable', 'FEATURE_UNAVAILABLE', undefined],
    ['403 utility_unavailable', 403, 'utility_unavailable', 'FEATURE_UNAVAILABLE', undefined],
    ['500 internal_error', 500, 'internal_error', 'UPSTREAM_ERROR', undefined],
    ['400 with an unknown error_code', 400, 'brand_new_code', 'UPSTREAM_ERROR', undefined],
  ];

  it.each(table)(
    'maps Pelm answering %s to its code',
    async (_label, status, errorCode, code, retryAfterSeconds) => {
      const pelm = await fakePelm(json(status, { error_code: errorCode, message: UPSTREAM_TEXT }));
      const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.upstreamCode).toBe(errorCode);
      expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
    },
  );

  it('takes DATA_UNAVAILABLE retry advice from Retry-After when Pelm sends it', async () => {
    const pelm = await fakePelm(
      json(500, { error_code: 'data_unavailable' }, { 'retry-after': '60' }),
    );
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('DATA_UNAVAILABLE');
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('returns RATE_LIMITED with Retry-After in seconds', async () => {
    const pelm = await fakePelm(json(429, { message: UPSTREAM_TEXT }, { 'retry-after': '30' }));
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(30);
  });

  it('returns RATE_LIMITED with Retry-After as an HTTP date', async () => {
    const date = new Date(Date.now() + 120_000).toUTCString();
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(429, { 'retry-after': date });
      response.end(UPSTREAM_TEXT);
    });
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it('returns RATE_LIMITED without retry advice when Retry-After is absent', async () => {
    const pelm = await fakePelm(text(429, UPSTREAM_TEXT, 'text/plain'));
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('returns UPSTREAM_TIMEOUT when headers do not arrive in time', async () => {
    const pelm = await fakePelm(() => undefined);
    const error = await pelmFailure(
      clientFor(pelm.url, { headersTimeoutMs: 150 }).getAccounts(CALL),
    );

    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('returns UPSTREAM_TIMEOUT when the body stops arriving', async () => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('[{"id":');
    });
    const error = await pelmFailure(clientFor(pelm.url, { bodyTimeoutMs: 150 }).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('returns UPSTREAM_TIMEOUT when a trickling body outlasts requestTimeoutMs', async () => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[');
      const timer = setInterval(() => response.write(' '), 30);
      response.on('close', () => clearInterval(timer));
    });
    const error = await pelmFailure(
      clientFor(pelm.url, { bodyTimeoutMs: 1_000, requestTimeoutMs: 200 }).getAccounts(CALL),
    );

    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('returns UPSTREAM_TIMEOUT when the connection is not set up in time', async () => {
    // A TCP server that never answers the TLS handshake keeps the connect phase open.
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) {
        socket.destroy();
      }

      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { port } = silent.address() as AddressInfo;
    const client = clientFor(`https://127.0.0.1:${port}`, { connectTimeoutMs: 150 });
    const error = await pelmFailure(client.getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('returns UPSTREAM_ERROR for a 503 without body', async () => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(503);
      response.end();
    });
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.status).toBe(503);
  });

  it.each([[502], [200]])(
    'returns UPSTREAM_ERROR for an HTML page with status %i',
    async (status) => {
      const pelm = await fakePelm(text(status, `<html><body>${UPSTREAM_TEXT}</body></html>`));
      const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

      expect(error.code).toBe('UPSTREAM_ERROR');
    },
  );

  it('returns UPSTREAM_ERROR for truncated JSON', async () => {
    const pelm = await fakePelm(
      text(200, `[{"id":"${UPSTREAM_TEXT}","account_n`, 'application/json'),
    );
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_ERROR');
  });

  it('returns UPSTREAM_ERROR for a 200 of the wrong shape', async () => {
    const pelm = await fakePelm(json(200, [{ id: 5, address: UPSTREAM_TEXT }]));
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.status).toBeUndefined();
  });

  it('returns UPSTREAM_ERROR when the connection is refused', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await pelmFailure(clientFor(`http://127.0.0.1:${port}`).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_ERROR');
  });

  it('returns UPSTREAM_ERROR when the socket is reset mid-body', async () => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      response.write(`[{"id":"${UPSTREAM_TEXT}"`, () => response.socket?.resetAndDestroy());
    });
    const error = await pelmFailure(clientFor(pelm.url).getAccounts(CALL));

    expect(error.code).toBe('UPSTREAM_ERROR');
  });
});

describe('aborts', () => {
  it("rejects with the caller's abort reason, not a PelmError", async () => {
    const events: PelmCallEvent[] = [];
    const pelm = await fakePelm(() => undefined);
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = clientFor(pelm.url, { onCall: (event) => events.push(event) }).getAccounts({
      token: TOKEN,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 50);

    expect(await rejectionOf(pending)).toBe(reason);
    expect(events).toMatchObject([{ status: null, errorCode: 'ABORTED' }]);
  });

  it('rejects with an AbortError when aborted without reason mid-body', async () => {
    const pelm = await fakePelm((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[');
    });
    const controller = new AbortController();
    const pending = clientFor(pelm.url).getAccounts({ token: TOKEN, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(pending);

    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });

  it('does not call Pelm when the signal is already aborted', async () => {
    const pelm = await fakePelm(json(200, []));
    const error = await rejectionOf(
      clientFor(pelm.url).getAccounts({ token: TOKEN, signal: AbortSignal.abort() }),
    );

    expect((error as DOMException).name).toBe('AbortError');
    expect(pelm.seen).toHaveLength(0);
  });
});

describe('logging', () => {
  it('logs every call at debug and rejected client keys at error, without secrets', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line) => lines.push(line) },
    });
    const pelm = await fakePelm((request, response) => {
      const status = request.url === '/accounts' ? 401 : 200;
      const body =
        status === 401
          ? { error_code: 'credentials_invalid', message: UPSTREAM_TEXT }
          : [{ account_id: 'a1', bills: [{ id: UPSTREAM_TEXT, due_date: 'x' }] }];
      json(status, body)(request, response);
    });
    const client = clientFor(pelm.url, { logger });
    await rejectionOf(client.getAccounts(CALL));
    await client.getBills(CALL);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 50,
        operation: 'getAccounts',
        method: 'GET',
        path: '/accounts',
        status: 401,
        errorCode: 'UPSTREAM_ERROR',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 20, operation: 'getBills', status: 200 }),
    );
    expect(entries).toContainEqual(expect.objectContaining({ level: 40, accountId: 'a1' }));
    for (const forbidden of [TOKEN, SECRET, UPSTREAM_TEXT]) {
      expect(lines.join('\n')).not.toContain(forbidden);
    }
  });
});

describe('connection pool', () => {
  it('stays usable after 200 error answers with 1 MB bodies', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    let answered = 0;
    const pelm = await fakePelm((request, response) => {
      if (request.url === '/bills') {
        json(200, [])(request, response);

        return;
      }

      answered += 1;
      // Half declare their length, half are chunked, so both read paths are drained.
      const headers =
        answered % 2 === 0 ? { 'content-length': String(megabyte.length) } : undefined;
      response.writeHead(500, { 'content-type': 'text/plain', ...headers });
      response.end(megabyte);
    });
    const client = clientFor(pelm.url, { connections: 4 });
    const failures = await Promise.all(
      Array.from({ length: 200 }, () => pelmFailure(client.getAccounts(CALL))),
    );

    expect(failures.every((error) => error.code === 'UPSTREAM_ERROR')).toBe(true);
    await expect(client.getBills(CALL)).resolves.toEqual(new Map());
  }, 15_000);
});
