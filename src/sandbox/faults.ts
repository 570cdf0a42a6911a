import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';

import {
  bodyBytes,
  HTML_PAGE,
  htmlHeaders,
  PUBLIC_CACHE_CONTROL,
  rateLimited,
  resetMidBody,
  trickle,
} from './fault-answers.js';
import {
  describeProblems,
  faultSpecSchema,
  FaultSpecError,
  type FaultKind,
  type FaultSpec,
} from './fault-spec.js';
import { errorResponse, jsonResponse, type SandboxResponse } from './http.js';
import type { SandboxCall, SandboxExchange, SandboxHook } from './sandbox-types.js';

export { FAULT_KINDS, FaultSpecError, type FaultKind, type FaultSpec } from './fault-spec.js';

/**
 * Fault switches for the sandbox: each makes some Pelm answers misbehave the way a real
 * upstream does (slow, silent, cut, wrong status, wrong body, throttled), limited by route, by
 * token and to the first N calls. Tests switch them in process; another process (the benchmark)
 * switches them over `POST /_sandbox/faults` with the same JSON spec.
 */

/** A switched-on fault and how often it struck. */
export interface ActiveFault {
  id: number;
  spec: FaultSpec;
  /** Calls it acted on so far. */
  hits: number;
}

/** One call a fault acted on, and when the gateway's side of its connection closed. */
export interface FaultHit {
  faultId: number;
  kind: FaultKind;
  call: SandboxCall;
  /** Epoch milliseconds the connection closed; null while it is open. */
  closedAt: number | null;
}

/** Open connections from the gateway, as seen by the faults hook. */
export interface SocketStats {
  open: number;
  /** The most open at once since the last `resetSocketStats`. */
  maxOpen: number;
}

const DEFAULT_LATENCY_MS = 1_000;
const DEFAULT_ERROR_STATUS = 503;
const MAX_RECORDED_HITS = 10_000;
/** Faults acting after the route produced the real answer. */
const AFTER_ROUTE: ReadonlySet<FaultKind> = new Set([
  'trickle',
  'reset-mid-body',
  'truncated-json',
  'public-cache',
]);

export class SandboxFaults {
  readonly #closing: AbortSignal;
  readonly #faults: ActiveFault[] = [];
  readonly #hits: FaultHit[] = [];
  readonly #pending = new WeakMap<SandboxExchange, ActiveFault[]>();
  readonly #requestsOnSocket = new WeakMap<Socket, number>();
  readonly #openSockets = new Set<Socket>();
  /** Hits whose connection is still open, per connection: one close listener each. */
  readonly #openHits = new WeakMap<Socket, FaultHit[]>();
  readonly #fillers = new Map<number, Buffer>();
  #maxOpen = 0;
  #nextId = 1;

  /** The pipeline hook; the sandbox installs it ahead of every other hook. */
  readonly hook: SandboxHook = {
    beforeRoute: (exchange) => this.#beforeRoute(exchange),
    afterRoute: (exchange, answer) => this.#afterRoute(exchange, answer),
  };

  constructor(closing: AbortSignal) {
    this.#closing = closing;
  }

  /** Switches a fault on (after those already on) and returns it; throws on a bad spec. */
  add(spec: FaultSpec): ActiveFault {
    const parsed = faultSpecSchema.safeParse(spec);
    if (!parsed.success) {
      throw new FaultSpecError(describeProblems(parsed.error));
    }

    const fault: ActiveFault = { id: this.#nextId, spec: parsed.data, hits: 0 };
    this.#nextId += 1;
    this.#faults.push(fault);

    return fault;
  }

  remove(id: number): void {
    const index = this.#faults.findIndex((fault) => fault.id === id);
    if (index >= 0) {
      this.#faults.splice(index, 1);
    }
  }

  /** Switches every fault off; hits and socket statistics stay until reset. */
  clear(): void {
    this.#faults.splice(0);
  }

  list(): readonly ActiveFault[] {
    return this.#faults;
  }

  /** Calls faults acted on, oldest first (the last 10 000). */
  get hits(): readonly FaultHit[] {
    return this.#hits;
  }

  resetHits(): void {
    this.#hits.splice(0);
  }

  get sockets(): SocketStats {
    return { open: this.#openSockets.size, maxOpen: this.#maxOpen };
  }

  resetSocketStats(): void {
    this.#maxOpen = this.#openSockets.size;
  }

  /**
   * `GET`, `POST` and `DELETE /_sandbox/faults`; `undefined` for any other admin path.
   * POST takes one spec or an array of them and answers the switched-on faults.
   */
  async admin(
    method: string,
    path: string,
    request: IncomingMessage,
  ): Promise<SandboxResponse | undefined> {
    if (path !== '/_sandbox/faults') {
      return undefined;
    }

    if (method === 'GET') {
      return jsonResponse(200, JSON.stringify({ faults: this.#faults, sockets: this.sockets }));
    }

    if (method === 'DELETE') {
      this.clear();

      return { status: 204, headers: {}, body: null };
    }

    if (method !== 'POST') {
      const response = errorResponse(405, 'method_not_allowed', `${method} is not supported.`);
      response.headers.allow = 'GET, POST, DELETE';

      return response;
    }

    return this.#adminAdd(request);
  }

  async #adminAdd(request: IncomingMessage): Promise<SandboxResponse> {
    let specs: unknown;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) {
        chunks.push(chunk as Buffer);
      }

      specs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return errorResponse(400, 'parameter_invalid', 'The body must be a JSON fault spec.');
    }

    const list = Array.isArray(specs) ? specs : [specs];
    const parsed = z.array(faultSpecSchema).safeParse(list);
    if (!parsed.success) {
      return errorResponse(400, 'parameter_invalid', describeProblems(parsed.error));
    }

    const added = parsed.data.map((spec) => this.add(spec));

    return jsonResponse(201, JSON.stringify({ faults: added }));
  }

  async #beforeRoute(exchange: SandboxExchange): Promise<SandboxResponse | 'handled' | undefined> {
    const reused = this.#trackSocket(exchange.request.socket);
    const later: ActiveFault[] = [];
    for (const fault of this.#matching(exchange.call)) {
      const { spec } = fault;
      if (spec.kind === 'close-keep-alive' && !reused) {
        continue;
      }

      this.#strike(fault, exchange);
      if (AFTER_ROUTE.has(spec.kind)) {
        later.push(fault);
        continue;
      }

      if (spec.kind === 'latency') {
        await delay(spec.latencyMs ?? DEFAULT_LATENCY_MS, undefined, { signal: this.#closing });
        continue;
      }

      return this.#answerInstead(spec, exchange);
    }

    if (later.length > 0) {
      this.#pending.set(exchange, later);
    }

    return undefined;
  }

  #answerInstead(spec: FaultSpec, exchange: SandboxExchange): SandboxResponse | 'handled' {
    switch (spec.kind) {
      case 'hang':
        return 'handled';
      case 'close-keep-alive':
        exchange.request.socket.destroy();

        return 'handled';
      case 'status':
        return this.#errorStatus(spec);
      case 'html':
        return { status: spec.status ?? 200, headers: htmlHeaders(), body: HTML_PAGE };
      case 'invalid-json':
        return jsonResponse(200, '{"id": "ea100000", "usage": NaN, }');
      case 'rate-limit':
        return rateLimited(spec);
      case 'quota':
        return errorResponse(402, 'quota_reached', 'The plan has used up its API calls.');
      default:
        return 'handled';
    }
  }

  async #afterRoute(exchange: SandboxExchange, answer: SandboxResponse): Promise<SandboxResponse> {
    let result = answer;
    for (const fault of this.#pending.get(exchange) ?? []) {
      const { spec } = fault;
      if (spec.kind === 'public-cache') {
        result = {
          ...result,
          headers: { ...result.headers, 'cache-control': PUBLIC_CACHE_CONTROL },
        };
      } else if (spec.kind === 'truncated-json') {
        const bytes = bodyBytes(result);
        result = { ...result, body: bytes.subarray(0, Math.floor(bytes.length / 2)) };
      } else if (spec.kind === 'reset-mid-body') {
        await resetMidBody(exchange, result);
      } else if (spec.kind === 'trickle') {
        await trickle(exchange, result, spec.bytesPerSecond ?? 1, this.#closing);
      }
    }

    return result;
  }

  #errorStatus(spec: FaultSpec): SandboxResponse {
    const status = spec.status ?? DEFAULT_ERROR_STATUS;
    if (spec.bodyBytes === undefined) {
      return errorResponse(status, 'internal_error', 'Something went wrong on our side.');
    }

    let filler = this.#fillers.get(spec.bodyBytes);
    if (filler === undefined) {
      filler = Buffer.alloc(spec.bodyBytes, 'upstream failure detail ');
      this.#fillers.set(spec.bodyBytes, filler);
    }

    return { status, headers: { 'content-type': 'text/plain' }, body: filler };
  }

  *#matching(call: SandboxCall): Generator<ActiveFault> {
    for (const fault of [...this.#faults]) {
      const { spec } = fault;
      if (spec.times !== undefined && fault.hits >= spec.times) {
        continue;
      }

      if (spec.route !== undefined && !routeMatches(spec.route, call)) {
        continue;
      }

      if (spec.token !== undefined && call.authorization !== `Bearer ${spec.token}`) {
        continue;
      }

      yield fault;
    }
  }

  #strike(fault: ActiveFault, exchange: SandboxExchange): void {
    fault.hits += 1;
    const hit: FaultHit = {
      faultId: fault.id,
      kind: fault.spec.kind,
      call: exchange.call,
      closedAt: null,
    };
    this.#hits.push(hit);
    if (this.#hits.length > MAX_RECORDED_HITS) {
      this.#hits.shift();
    }

    const { socket } = exchange.request;
    const open = this.#openHits.get(socket);
    if (open === undefined) {
      hit.closedAt = Date.now();
    } else {
      open.push(hit);
    }
  }

  /** Counts open connections and says whether this one carried a request before. */
  #trackSocket(socket: Socket): boolean {
    const earlier = this.#requestsOnSocket.get(socket) ?? 0;
    this.#requestsOnSocket.set(socket, earlier + 1);
    if (!this.#openSockets.has(socket) && !socket.destroyed) {
      this.#openSockets.add(socket);
      this.#openHits.set(socket, []);
      this.#maxOpen = Math.max(this.#maxOpen, this.#openSockets.size);
      socket.once('close', () => {
        this.#openSockets.delete(socket);
        const closedAt = Date.now();
        for (const hit of this.#openHits.get(socket) ?? []) {
          hit.closedAt = closedAt;
        }

        this.#openHits.delete(socket);
      });
    }

    return earlier > 0;
  }
}

function routeMatches(route: string, call: SandboxCall): boolean {
  const space = route.indexOf(' ');

  return space === -1
    ? call.path === route
    : call.method === route.slice(0, space) && call.path === route.slice(space + 1);
}
