import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { createGateway } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { startFakePelm, type FakeAnswer, type FakePelm } from '../helpers/fake-pelm.js';
import { SANDBOX_NOW } from '../helpers/stack.js';

const CLIENT_ID = 'client-123';
const CLIENT_SECRET = 'secret-xyz';
const QUERY = '{ user { accounts { id } } }';

/** Nothing of this may reach the caller: tokens, credentials, upstream hosts, paths and bodies. */
const NEVER_SHOWN = [
  'sandbox-bob',
  'not-a-sandbox-token',
  'Bearer',
  '10.0.3.7',
  'pg:',
  'db-7',
  'trace',
  'stack',
  'ECONNREFUSED',
  CLIENT_ID,
  CLIENT_SECRET,
  '/accounts',
];

let fake: FakePelm | undefined;
let sandbox: Sandbox | undefined;
let client: PelmClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
  await sandbox?.close();
  client = undefined;
  fake = undefined;
  sandbox = undefined;
});

/** A gateway whose every log line lands in `lines`, at debug level. */
function gatewayOver(baseUrl: string) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  client = new PelmClient({
    baseUrl,
    clientId: CLIENT_ID,
    secret: CLIENT_SECRET,
    logger,
    retry: false,
  });

  return { gateway: createGateway({ source: client, logger }), lines };
}

async function ask(baseUrl: string, token: string) {
  const { gateway, lines } = gatewayOver(baseUrl);
  const response = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`);
  const body = await response.text();

  return {
    shown: `${headers.join('\n')}\n${body}`,
    body: JSON.parse(body) as { data?: unknown; errors?: Array<{ extensions: { code: string } }> },
    logs: lines.join(''),
  };
}

async function fakeAccounts(answer: FakeAnswer): Promise<string> {
  fake = await startFakePelm({ 'GET /accounts': answer });

  return fake.url;
}

function expectNothingLeaked(result: Awaited<ReturnType<typeof ask>>, upstream: string) {
  const { host } = new URL(upstream);
  for (const needle of [...NEVER_SHOWN, host]) {
    expect(result.shown, `response shows ${needle}`).not.toContain(needle);
  }

  for (const needle of ['sandbox-bob', 'not-a-sandbox-token', CLIENT_SECRET]) {
    expect(result.logs, `logs show ${needle}`).not.toContain(needle);
  }
}

describe('upstream details and tokens never reach clients or logs', () => {
  it('answers an upstream 500 with internal detail as a generic UPSTREAM_ERROR', async () => {
    const url = await fakeAccounts({
      status: 500,
      json: {
        error_code: 'internal_error',
        message: 'pg: connection refused 10.0.3.7:5432',
        trace: 'at Db.connect (/srv/db.js:41)',
      },
      headers: { 'x-internal-host': 'db-7' },
    });
    const result = await ask(url, 'sandbox-bob');

    expect(result.body.errors?.map((error) => error.extensions.code)).toEqual(['UPSTREAM_ERROR']);
    expectNothingLeaked(result, url);
    expect(result.logs).not.toContain('10.0.3.7');
  });

  it('answers a refused connection as UPSTREAM_ERROR without naming it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const result = await ask(url, 'sandbox-bob');

    expect(result.body.errors?.map((error) => error.extensions.code)).toEqual(['UPSTREAM_ERROR']);
    expectNothingLeaked(result, url);
  });

  it('answers a rejected token as UNAUTHENTICATED without repeating it', async () => {
    sandbox = await startSandbox({ now: SANDBOX_NOW });
    const result = await ask(sandbox.url, 'not-a-sandbox-token');

    expect(result.body.errors?.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expectNothingLeaked(result, sandbox.url);
  });

  it('answers quota_reached as QUOTA_EXCEEDED without the client id Pelm named', async () => {
    const url = await fakeAccounts({
      status: 402,
      json: { error_code: 'quota_reached', message: `Quota reached for client ${CLIENT_ID}` },
    });
    const result = await ask(url, 'sandbox-bob');

    expect(result.body.errors?.map((error) => error.extensions.code)).toEqual(['QUOTA_EXCEEDED']);
    expectNothingLeaked(result, url);
    expect(result.logs).not.toContain(CLIENT_ID);
  });

  it('sends the token and client secret upstream while logging neither', async () => {
    const url = await fakeAccounts({ json: [] });
    const result = await ask(url, 'sandbox-bob');

    expect(fake?.calls.map((call) => call.authorization)).toEqual(['Bearer sandbox-bob']);
    expect(result.body).toEqual({ data: { user: { accounts: [] } } });
    expect(result.logs.length).toBeGreaterThan(0);
    expect(result.logs).not.toContain('sandbox-bob');
    expect(result.logs).not.toContain(CLIENT_SECRET);
  });
});
