import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { SandboxFaults } from './faults.js';
import type { SandboxResponse } from './http.js';

/** The public shapes of the sandbox module; `server.ts` re-exports them all. */

export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Epoch seconds the sandbox clock is pinned to. @default the real time at each request */
  now?: number;
  /** Seconds a `sandbox-new-*` user takes to finish its first sync. @default 30 */
  syncSeconds?: number;
  /** When set, every Pelm request must send this `Pelm-Client-Id`. */
  clientId?: string;
  /** When set, every Pelm request must send this `Pelm-Secret`. */
  secret?: string;
  /** Milliseconds added before each Pelm answer (admin routes answer at once). @default 0 */
  latencyMs?: number;
  /** Where the sandbox logs (debug per request, error for its own failures). @default silent */
  logger?: Logger;
  /** Hooks run on every Pelm request, in order. More can be added with `Sandbox.addHook`. */
  hooks?: readonly SandboxHook[];
}

/** One Pelm request as the sandbox received it. */
export interface SandboxCall {
  method: string;
  /** Path without the query string, as sent (not percent-decoded). */
  path: string;
  /** Query parameters; the first value wins when a name repeats. */
  query: Record<string, string>;
  /** The raw `Authorization` header, or null. */
  authorization: string | null;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** Number of the TCP connection the request came on, counted from 1 per sandbox. */
  socketId: number;
}

/** What a hook sees of a request. */
export interface SandboxExchange {
  request: IncomingMessage;
  response: ServerResponse;
  call: SandboxCall;
}

/**
 * `beforeRoute` result: a response to send instead of routing, `'handled'` when the hook dealt
 * with the connection itself (answered, destroyed it, or left it hanging), undefined to go on.
 */
export type SandboxHookResult = SandboxResponse | 'handled' | undefined;

export interface SandboxHook {
  beforeRoute?(exchange: SandboxExchange): SandboxHookResult | Promise<SandboxHookResult>;
  /**
   * May return a different response, such as a truncated body or another status. Return a new
   * body rather than changing the given one in place: bodies can be shared between answers.
   */
  afterRoute?(
    exchange: SandboxExchange,
    response: SandboxResponse,
  ): SandboxResponse | Promise<SandboxResponse>;
}

export interface Sandbox {
  /** Base URL, such as `http://127.0.0.1:4010`, without a trailing slash. */
  url: string;
  /** The recorded Pelm calls, oldest first; only the last 100 000 are kept. */
  calls: readonly SandboxCall[];
  resetCalls(): void;
  /** Fault switches (also at `/_sandbox/faults`); they run before every other hook. */
  faults: SandboxFaults;
  /** Adds a hook after the existing ones; the returned function removes it. */
  addHook(hook: SandboxHook): () => void;
  /** Stops listening and drops open connections, including requests still waiting. */
  close(): Promise<void>;
}
