import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { createSilentLogger, type Logger } from '../logger.js';
import { BillBook } from './bills.js';
import { SandboxFaults } from './faults.js';
import { errorResponse, jsonResponse, type SandboxResponse } from './http.js';
import { INTERVAL_CACHE_BYTES } from './intervals-json.js';
import type {
  Sandbox,
  SandboxCall,
  SandboxExchange,
  SandboxHook,
  SandboxOptions,
} from './sandbox-types.js';
import type { SandboxState } from './route-context.js';
import { dispatchPelmRequest } from './routes.js';

/**
 * A local stand-in for `api.pelm.com`: Pelm's endpoints, shapes and error bodies over
 * deterministic data (see `fixtures.ts` for the users and their tokens).
 *
 * Every request goes through one pipeline: admin routes, call recording, the configured latency,
 * the hooks, Pelm routing, the hooks again, sending. A fault-injection module plugs in as a hook
 * and can answer in place of Pelm, hang, cut the connection or rewrite the answer, without any
 * change to the router.
 */

export type {
  Sandbox,
  SandboxCall,
  SandboxExchange,
  SandboxHook,
  SandboxHookResult,
  SandboxOptions,
} from './sandbox-types.js';

export const MAX_RECORDED_CALLS = 100_000;
const DEFAULT_SYNC_SECONDS = 30;
const MAX_TRACKED_USERS = 100_000;

function checkNumber(
  name: string,
  value: number | undefined,
  minimum: number,
  integer: boolean,
): void {
  if (value === undefined) {
    return;
  }

  if (!Number.isFinite(value) || value < minimum || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a finite number';
    throw new RangeError(
      `Sandbox option ${name} must be ${kind} of at least ${minimum}, got ${value}.`,
    );
  }
}

function validateOptions(options: SandboxOptions): void {
  checkNumber('port', options.port, 0, true);
  if (options.port !== undefined && options.port > 65_535) {
    throw new RangeError(`Sandbox option port must be at most 65535, got ${options.port}.`);
  }

  checkNumber('now', options.now, 0, false);
  checkNumber('syncSeconds', options.syncSeconds, 0, false);
  checkNumber('latencyMs', options.latencyMs, 0, false);
}

function parseQuery(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    if (!Object.hasOwn(query, name)) {
      query[name] = value;
    }
  }

  return query;
}

class SandboxServer {
  readonly #server: Server;
  readonly #state: SandboxState;
  readonly #logger: Logger;
  readonly #latencyMs: number;
  readonly #hooks: SandboxHook[];
  readonly #closing = new AbortController();
  readonly #faults = new SandboxFaults(this.#closing.signal);
  readonly #socketIds = new WeakMap<Socket, number>();
  #socketCount = 0;
  #calls: SandboxCall[] = [];

  constructor(options: SandboxOptions) {
    const pinned = options.now;
    this.#state = {
      clock: pinned === undefined ? () => Math.floor(Date.now() / 1000) : () => Math.floor(pinned),
      syncMs: (options.syncSeconds ?? DEFAULT_SYNC_SECONDS) * 1000,
      clientId: options.clientId,
      secret: options.secret,
      bills: new BillBook(),
      intervalBodies: new LRUCache({
        maxSize: INTERVAL_CACHE_BYTES,
        // The body is a view of a larger buffer; count the memory it actually keeps.
        sizeCalculation: (body: Buffer) => body.buffer.byteLength,
      }),
      deletedTokens: new LRUCache({ max: MAX_TRACKED_USERS }),
      firstSeen: new LRUCache({ max: MAX_TRACKED_USERS }),
    };
    this.#logger = options.logger ?? createSilentLogger();
    this.#latencyMs = options.latencyMs ?? 0;
    // Faults act first, so a switched-on fault wins over any other hook.
    this.#hooks = [this.#faults.hook, ...(options.hooks ?? [])];
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
    this.#server.on('connection', (socket: Socket) => {
      this.#socketCount += 1;
      this.#socketIds.set(socket, this.#socketCount);
    });
  }

  get calls(): readonly SandboxCall[] {
    return this.#calls;
  }

  get faults(): SandboxFaults {
    return this.#faults;
  }

  resetCalls(): void {
    this.#calls = [];
  }

  addHook(hook: SandboxHook): () => void {
    this.#hooks.push(hook);

    return () => {
      const index = this.#hooks.indexOf(hook);
      if (index >= 0) {
        this.#hooks.splice(index, 1);
      }
    };
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

    return `http://${shownHost}:${address.port}`;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const closed = new Promise<void>((resolve, reject) => {
      this.#server.close((error) => (error === undefined ? resolve() : reject(error)));
    });
    this.#server.closeAllConnections();

    await closed;
  }

  #record(request: IncomingMessage, path: string, query: Record<string, string>): SandboxCall {
    const call: SandboxCall = {
      method: request.method ?? 'GET',
      path,
      query,
      authorization: request.headers.authorization ?? null,
      receivedAt: Date.now(),
      socketId: this.#socketIds.get(request.socket) ?? 0,
    };
    this.#calls.push(call);
    if (this.#calls.length > MAX_RECORDED_CALLS) {
      this.#calls.shift();
    }

    return call;
  }

  #admin(method: string, path: string): SandboxResponse {
    const routes: Record<string, Record<string, () => SandboxResponse>> = {
      '/_sandbox/calls': {
        GET: () => jsonResponse(200, JSON.stringify(this.#calls)),
        DELETE: () => {
          this.resetCalls();

          return { status: 204, headers: {}, body: null };
        },
      },
      '/_sandbox/health': { GET: () => jsonResponse(200, '{"ok":true}') },
    };
    const byMethod = routes[path];
    if (byMethod === undefined) {
      return errorResponse(404, 'not_found', `No sandbox admin endpoint at ${path}.`);
    }

    const answer = byMethod[method];
    if (answer === undefined) {
      const response = errorResponse(
        405,
        'method_not_allowed',
        `${method} is not supported on ${path}.`,
      );
      response.headers.allow = Object.keys(byMethod).join(', ');

      return response;
    }

    return answer();
  }

  async #answer(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    search: string,
  ): Promise<SandboxResponse | undefined> {
    const query = parseQuery(search);
    const exchange: SandboxExchange = {
      request,
      response,
      call: this.#record(request, path, query),
    };
    if (this.#latencyMs > 0) {
      await delay(this.#latencyMs, undefined, { signal: this.#closing.signal });
    }

    let answer: SandboxResponse | undefined;
    for (const hook of [...this.#hooks]) {
      const result = await hook.beforeRoute?.(exchange);
      if (result === 'handled') {
        return undefined;
      }

      if (result !== undefined) {
        answer = result;
        break;
      }
    }

    answer ??= await dispatchPelmRequest(this.#state, request, path, query);
    for (const hook of [...this.#hooks]) {
      if (hook.afterRoute !== undefined) {
        answer = await hook.afterRoute(exchange, answer);
      }
    }

    return answer;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const target = request.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const search = queryAt === -1 ? '' : target.slice(queryAt + 1);
    const method = request.method ?? 'GET';
    try {
      const answer = path.startsWith('/_sandbox/')
        ? ((await this.#faults.admin(method, path, request)) ?? this.#admin(method, path))
        : await this.#answer(request, response, path, search);
      if (answer !== undefined) {
        this.#send(response, answer);
        this.#logger.debug(
          { method, path, status: answer.status, ms: Math.round(performance.now() - started) },
          'sandbox answered',
        );
      }
    } catch (error) {
      if (this.#closing.signal.aborted) {
        response.destroy();

        return;
      }

      this.#logger.error({ err: error, method, path }, 'sandbox request failed');
      if (response.headersSent) {
        response.destroy();
      } else {
        this.#send(response, errorResponse(500, 'internal_error', 'The sandbox failed to answer.'));
      }
    }
  }

  #send(response: ServerResponse, answer: SandboxResponse): void {
    if (response.destroyed || response.writableEnded) {
      return;
    }

    const headers: Record<string, string | number> = { ...answer.headers };
    if (answer.body !== null) {
      headers['content-length'] = Buffer.byteLength(answer.body);
    }

    response.writeHead(answer.status, headers);
    response.end(answer.body ?? undefined);
  }
}

/** Starts a sandbox and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  validateOptions(options);
  const server = new SandboxServer(options);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');

  return {
    url,
    get calls() {
      return server.calls;
    },
    resetCalls: () => server.resetCalls(),
    faults: server.faults,
    addHook: (hook) => server.addHook(hook),
    close: () => server.close(),
  };
}
