import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, beforeEach } from 'vitest';

import { createGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import {
  createCachingSource,
  type CachingSource,
  type CachingSourceOptions,
} from '../../src/pelm/cache.js';
import { PelmClient, type PelmClientOptions } from '../../src/pelm/client.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';

/** The sandbox clock most tests pin, so data and dates are the same on every run. */
export const SANDBOX_NOW = Date.parse('2024-07-15T12:00:00Z') / 1000;

export interface StackOptions {
  sandbox?: SandboxOptions;
  client?: Partial<PelmClientOptions>;
  /**
   * The cross-request cache: off unless asked for, so tests that count upstream calls per
   * request see every call. `true` uses the cache's defaults.
   */
  cache?: CachingSourceOptions | boolean;
  /** Further gateway options, such as `requestDeadlineMs`. */
  gateway?: Partial<Omit<GatewayOptions, 'source' | 'logger'>>;
  logger?: Logger;
}

/** A sandbox on port 0, a real Pelm client over HTTP to it, and a gateway on top. */
export interface Stack {
  sandbox: Sandbox;
  client: PelmClient;
  /** The cache between gateway and client, when the stack has one. */
  cache: CachingSource | undefined;
  gateway: Gateway;
  /** Upstream calls the sandbox recorded since the last `resetCalls`, as `METHOD /path`. */
  calls(): string[];
  resetCalls(): void;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sandbox = await startSandbox({ now: SANDBOX_NOW, ...options.sandbox });
  const logger = options.logger ?? createSilentLogger();
  const client = new PelmClient({ baseUrl: sandbox.url, logger, ...options.client });
  const cache =
    options.cache === undefined || options.cache === false
      ? undefined
      : createCachingSource(client, options.cache === true ? {} : options.cache);
  const gateway = createGateway({ ...options.gateway, source: cache ?? client, logger });

  return {
    sandbox,
    client,
    cache,
    gateway,
    calls: () => sandbox.calls.map((call) => `${call.method} ${call.path}`),
    resetCalls: () => sandbox.resetCalls(),
    async close() {
      await client.close();
      await sandbox.close();
    },
  };
}

/**
 * One stack for the whole test file, started before its first test, closed after its last,
 * with the sandbox's call log cleared before each test. Its members are read through once the
 * stack has started, so use them inside tests and hooks only.
 */
export function useStack(options: StackOptions = {}): Stack {
  let started: Stack | undefined;
  const current = (): Stack => {
    if (started === undefined) {
      throw new Error('useStack(): the stack starts in beforeAll; use it inside tests and hooks.');
    }

    return started;
  };

  beforeAll(async () => {
    started = await startStack(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(() => {
    started?.resetCalls();
  });

  return {
    get sandbox() {
      return current().sandbox;
    },
    get client() {
      return current().client;
    },
    get cache() {
      return current().cache;
    },
    get gateway() {
      return current().gateway;
    },
    calls: () => current().calls(),
    resetCalls: () => current().resetCalls(),
    close: () => current().close(),
  };
}

export interface GraphQLResponse<TData> {
  status: number;
  headers: Headers;
  body: ExecutionResult<TData> & {
    errors?: Array<{
      message: string;
      path?: Array<string | number>;
      extensions?: Record<string, unknown>;
    }>;
  };
}

/** Sends one operation through the whole Yoga pipeline, in process. */
export async function execute<TData, TVariables>(
  gateway: Gateway,
  document: TypedDocumentNode<TData, TVariables> | string,
  options: { token?: string | null; variables?: TVariables; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<TData>> {
  const query = typeof document === 'string' ? document : print(document);
  const token = options.token === undefined ? 'sandbox-bob' : options.token;
  const response = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });

  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse<TData>['body'],
  };
}

/** The `extensions.code` of each error, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.['code']);
}
