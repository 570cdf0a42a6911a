import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { accountBills, accounts, bill, billPdfResponse, bills, intervals } from './data-routes.js';
import { findUserByToken, type SandboxUser } from './fixtures.js';
import {
  DATA_UNAVAILABLE_MESSAGE,
  SandboxApiError,
  errorResponse,
  responseForError,
  type SandboxResponse,
} from './http.js';
import type { RouteContext, SandboxState, UserRouteContext } from './route-context.js';
import { connectToken, deleteUser, exchangeCode, getUser } from './user-routes.js';

/**
 * The Pelm routes, and the checks every one of them makes in Pelm's order: client credentials
 * first, then the user's access token, then (for data) whether the user's first sync is done.
 */

type DataKind = 'accounts' | 'bills' | 'intervals';

/** Share of `syncSeconds` after which each kind of data of a new user becomes readable. */
const READY_AFTER: Record<DataKind, number> = { accounts: 0.25, bills: 0.5, intervals: 1 };

type Answer = SandboxResponse | Promise<SandboxResponse>;

interface ClientRoute {
  method: string;
  /** Path segments; `:name` captures one segment, passed to `handle` in order. */
  path: readonly string[];
  auth: 'client';
  handle(context: RouteContext, params: readonly string[]): Answer;
}

interface UserRoute {
  method: string;
  path: readonly string[];
  auth: 'user';
  /** What a syncing user must have loaded before this route answers; null for none. */
  data: DataKind | null;
  handle(context: UserRouteContext, params: readonly string[]): Answer;
}

type Route = ClientRoute | UserRoute;

function param(params: readonly string[], index: number): string {
  return params[index] ?? '';
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: ['auth', 'connect-token'], auth: 'client', handle: connectToken },
  { method: 'POST', path: ['auth', 'token'], auth: 'client', handle: exchangeCode },
  {
    method: 'GET',
    path: ['users', ':user_id'],
    auth: 'user',
    data: null,
    handle: (context, params) => getUser(context, param(params, 0)),
  },
  {
    method: 'DELETE',
    path: ['users', ':user_id'],
    auth: 'user',
    data: null,
    handle: (context, params) => deleteUser(context, param(params, 0)),
  },
  { method: 'GET', path: ['accounts'], auth: 'user', data: 'accounts', handle: accounts },
  {
    method: 'GET',
    path: ['intervals'],
    auth: 'user',
    data: 'intervals',
    handle: (context) => intervals(context),
  },
  {
    method: 'GET',
    path: ['accounts', ':account_id', 'intervals'],
    auth: 'user',
    data: 'intervals',
    handle: (context, params) => intervals(context, param(params, 0)),
  },
  { method: 'GET', path: ['bills'], auth: 'user', data: 'bills', handle: bills },
  {
    method: 'GET',
    path: ['accounts', ':account_id', 'bills'],
    auth: 'user',
    data: 'bills',
    handle: (context, params) => accountBills(context, param(params, 0)),
  },
  {
    method: 'GET',
    path: ['bills', ':bill_id'],
    auth: 'user',
    data: 'bills',
    handle: (context, params) => bill(context, param(params, 0)),
  },
  {
    method: 'GET',
    path: ['bills', ':bill_id', 'pdf'],
    auth: 'user',
    data: 'bills',
    handle: (context, params) => billPdfResponse(context, param(params, 0)),
  },
];

/** Path segments, percent-decoded; undefined when a segment's encoding is broken. */
function splitPath(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function matchPath(pattern: readonly string[], segments: readonly string[]): string[] | undefined {
  if (pattern.length !== segments.length) {
    return undefined;
  }

  const params: string[] = [];
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) {
      if (segment === '') {
        return undefined;
      }

      params.push(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }

  return params;
}

function sameSecret(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') {
    return false;
  }

  const digest = (text: string) => createHash('sha256').update(text).digest();

  return timingSafeEqual(digest(sent), digest(expected));
}

function checkClientCredentials(sandbox: SandboxState, request: IncomingMessage): void {
  const { clientId, secret } = sandbox;
  const idWrong =
    clientId !== undefined && !sameSecret(request.headers['pelm-client-id'], clientId);
  const secretWrong = secret !== undefined && !sameSecret(request.headers['pelm-secret'], secret);
  if (idWrong || secretWrong) {
    throw new SandboxApiError(
      401,
      'credentials_invalid',
      'The Pelm-Client-Id and Pelm-Secret headers do not match a registered client.',
    );
  }
}

function authenticate(
  sandbox: SandboxState,
  request: IncomingMessage,
): { user: SandboxUser; token: string } {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const token = match?.[1];
  const user = token === undefined ? undefined : findUserByToken(token);
  if (token === undefined || user === undefined || sandbox.deletedTokens.has(token)) {
    throw new SandboxApiError(401, 'token_invalid', 'The access token is missing or not valid.');
  }

  if (user.syncing && !sandbox.firstSeen.has(token)) {
    sandbox.firstSeen.set(token, performance.now());
  }

  return { user, token };
}

function checkSynced(context: UserRouteContext, kind: DataKind): void {
  if (!context.user.syncing) {
    return;
  }

  const firstSeen = context.sandbox.firstSeen.get(context.token) ?? performance.now();
  if (performance.now() - firstSeen < READY_AFTER[kind] * context.sandbox.syncMs) {
    throw new SandboxApiError(500, 'data_unavailable', DATA_UNAVAILABLE_MESSAGE);
  }
}

/**
 * Answers one Pelm request. Unknown paths answer 404 and known paths with another method 405,
 * before any credential check, so a typo is reported as a typo.
 */
export async function dispatchPelmRequest(
  sandbox: SandboxState,
  request: IncomingMessage,
  pathname: string,
  query: Record<string, string>,
): Promise<SandboxResponse> {
  const segments = splitPath(pathname) ?? [];
  const candidates = ROUTES.flatMap((route) => {
    const params = matchPath(route.path, segments);

    return params === undefined ? [] : [{ route, params }];
  });
  if (candidates.length === 0) {
    return errorResponse(404, 'not_found', `No Pelm endpoint at ${pathname}.`);
  }

  const found = candidates.find((candidate) => candidate.route.method === request.method);
  if (found === undefined) {
    const allowed = candidates.map((candidate) => candidate.route.method).join(', ');
    const response = errorResponse(
      405,
      'method_not_allowed',
      `${request.method ?? 'This method'} is not supported on ${pathname}; use ${allowed}.`,
    );
    response.headers.allow = allowed;

    return response;
  }

  try {
    checkClientCredentials(sandbox, request);
    const context: RouteContext = { sandbox, request, query, now: sandbox.clock() };
    const { route, params } = found;
    if (route.auth === 'client') {
      return await route.handle(context, params);
    }

    const userContext: UserRouteContext = { ...context, ...authenticate(sandbox, request) };
    if (route.data !== null) {
      checkSynced(userContext, route.data);
    }

    return await route.handle(userContext, params);
  } catch (error) {
    if (error instanceof SandboxApiError) {
      return responseForError(error);
    }

    throw error;
  }
}
