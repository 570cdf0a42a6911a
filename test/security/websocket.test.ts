import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';

import { createGateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { startServer, type GatewayServer } from '../../src/server.js';
import { createTokenHasher } from '../../src/token-hash.js';
import { SANDBOX_NOW } from '../helpers/stack.js';

/**
 * graphql-ws carries operations past Yoga's HTTP handling, so every limit that protects the
 * HTTP path is checked here again, over a real WebSocket, on a production gateway.
 */

let sandbox: Sandbox;
let client: PelmClient;
let server: GatewayServer;
const clients: Client[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ now: SANDBOX_NOW });
  const logger = createSilentLogger();
  client = new PelmClient({ baseUrl: sandbox.url, logger });
  const gateway = createGateway({
    source: client,
    logger,
    production: true,
    security: { rateLimit: { limit: 3, windowMs: 60_000, hashToken: createTokenHasher() } },
  });
  server = await startServer({ gateway, port: 0, host: '127.0.0.1', maxMessageBytes: 8_192 });
});
afterAll(async () => {
  await Promise.all(clients.map((each) => each.dispose()));
  await server.close(0);
  await client.close();
  await sandbox.close();
});

interface WsResult {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

function connect(token: string): Client {
  const ws = createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  clients.push(ws);

  return ws;
}

/** The one result of a query, or the errors it was refused with. */
async function run(ws: Client, query: string, variables?: Record<string, unknown>) {
  const results: WsResult[] = [];
  for await (const result of ws.iterate({ query, variables })) {
    results.push(result as WsResult);
  }

  return results;
}

async function refusal(ws: Client, query: string, variables?: Record<string, unknown>) {
  try {
    return await run(ws, query, variables);
  } catch (error) {
    return error;
  }
}

describe('graphql-ws on a production gateway', () => {
  it('counts operations against the token’s rate limit, as over HTTP', async () => {
    const ws = connect('sandbox-alice-sce');
    const query = '{ user { accounts { id } } }';
    const answers = [];
    for (let index = 0; index < 4; index += 1) {
      answers.push(await run(ws, query));
    }

    expect(answers.slice(0, 3).map((results) => results[0]?.errors)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const refused = answers[3]?.[0];
    expect(refused?.data).toBeUndefined();
    expect(refused?.errors?.map((error) => error.extensions?.['code'])).toEqual(['RATE_LIMITED']);
    expect(refused?.errors?.[0]?.extensions?.['retryAfter']).toBeGreaterThan(0);
    // HTTP turns this into the status and headers; a WebSocket answer does not carry it.
    expect(refused?.errors?.[0]?.extensions).not.toHaveProperty('http');
  });

  it('refuses introspection when the gateway turned it off', async () => {
    const ws = connect('sandbox-bob');
    const answer = await refusal(ws, '{ __schema { queryType { name } } }');
    expect(JSON.stringify(answer)).not.toContain('"Query"');
    expect(JSON.stringify(answer)).toContain('GraphQL introspection has been disabled');
  });

  it('refuses a mutation against a gateway that has none, with a validation error', async () => {
    const ws = connect('sandbox-bob');
    const answer = await refusal(ws, 'mutation { __typename }');
    expect(JSON.stringify(answer)).toContain('This gateway has no mutation operations.');
  });

  it('closes the socket on a message larger than the body limit, printing nothing', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      const ws = connect('sandbox-bob');
      const answer = await refusal(ws, 'query ($pad: String) { __typename }', {
        pad: 'x'.repeat(20_000),
      });
      expect(answer).toMatchObject({ code: 1009 });
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});
