import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | null;
}

/** What a route answers: a status, a JSON-able body (or raw text) and extra headers. */
export interface FakeAnswer {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** Never answer (the socket stays open until the fake closes). */
  hang?: boolean;
}

export type FakeRoute = (call: FakeCall, index: number) => FakeAnswer;

/**
 * A Pelm stand-in for tests that need call-by-call answers the sandbox cannot give. Routes are
 * keyed `METHOD /path`; each sees how many times it was called before.
 */
export interface FakePelm {
  url: string;
  calls: FakeCall[];
  route(key: string, handler: FakeRoute | FakeAnswer): void;
  close(): Promise<void>;
}

export async function startFakePelm(routes: Record<string, FakeRoute | FakeAnswer> = {}) {
  const table = new Map<string, FakeRoute>();
  const counts = new Map<string, number>();
  const calls: FakeCall[] = [];
  const route = (key: string, handler: FakeRoute | FakeAnswer) => {
    table.set(key, typeof handler === 'function' ? handler : () => handler);
  };

  for (const [key, handler] of Object.entries(routes)) {
    route(key, handler);
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const call: FakeCall = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: request.headers.authorization ?? null,
    };
    calls.push(call);
    const key = `${call.method} ${call.path}`;
    const index = counts.get(key) ?? 0;
    counts.set(key, index + 1);
    const handler = table.get(key);
    const answer: FakeAnswer = handler
      ? handler(call, index)
      : { status: 404, json: { error_code: 'not_found', message: 'no such route' } };
    if (answer.hang === true) {
      return;
    }

    const body = answer.text ?? JSON.stringify(answer.json ?? null);
    response.writeHead(answer.status ?? 200, {
      'content-type': answer.text === undefined ? 'application/json' : 'text/html',
      ...answer.headers,
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakePelm = {
    url: `http://127.0.0.1:${port}`,
    calls,
    route,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  return fake;
}

/** A plain account in Pelm's JSON shape. */
export function pelmAccount(id: string, types: Array<'ELECTRIC' | 'GAS'> = ['ELECTRIC', 'GAS']) {
  return {
    id,
    account_number: '1234567890',
    address: `${id.toUpperCase()} MAIN ST SAN FRANCISCO CA 94110`,
    available_meter_types: types,
    usage_unit: 'kwh',
    ...(types.includes('GAS') ? { gas_usage_unit: 'therm' } : {}),
    ghg_emissions_unit: 'kg_co2e',
  };
}

export function pelmError(status: number, errorCode: string, headers?: Record<string, string>) {
  return {
    status,
    json: { error_code: errorCode, message: `upstream says ${errorCode}` },
    ...(headers === undefined ? {} : { headers }),
  };
}
