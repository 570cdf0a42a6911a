import type { IncomingMessage } from 'node:http';
import type { LRUCache } from 'lru-cache';
import type { BillBook } from './bills.js';
import type { SandboxUser } from './fixtures.js';
import type { IntervalBodyCache } from './intervals-json.js';

/** State of one running sandbox, shared by all its requests. */
export interface SandboxState {
  /** Epoch seconds the sandbox's clock shows now. */
  clock(): number;
  /** Milliseconds a `sandbox-new-*` user takes to finish its first sync. */
  syncMs: number;
  clientId: string | undefined;
  secret: string | undefined;
  bills: BillBook;
  intervalBodies: IntervalBodyCache;
  /** Tokens whose user was deleted: they answer 401 from then on. */
  deletedTokens: LRUCache<string, true>;
  /** `performance.now()` of the first request seen with each `sandbox-new-*` token. */
  firstSeen: LRUCache<string, number>;
}

export interface RouteContext {
  sandbox: SandboxState;
  request: IncomingMessage;
  /** Query parameters; the first value wins when a name repeats. */
  query: Record<string, string>;
  /** The clock, read once per request so one answer never straddles two instants. */
  now: number;
}

export interface UserRouteContext extends RouteContext {
  user: SandboxUser;
  token: string;
}
