import { getNamedType, isObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import type { PelmSource } from '../../src/pelm/source.js';
import { schema } from '../../src/schema/index.js';
import { errorCodes, execute, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let production: Gateway;

beforeAll(async () => {
  stack = await startStack();
  production = createGateway({
    source: stack.client,
    logger: createSilentLogger(),
    production: true,
  });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.resetCalls();
});

/** Every field and argument name in the schema, as a reader of hints could learn them. */
function schemaNames(): Set<string> {
  const names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) {
      continue;
    }

    names.add(type.name);
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        names.add(field.name);
        for (const arg of field.args) {
          names.add(arg.name);
        }

        names.add(getNamedType(field.type).name);
      }
    }
  }

  return names;
}

describe('production mode reveals no schema through hints', () => {
  it.each([
    '{ user { acounts { id } } }',
    '{ user { accounts { bils { id } intervls { usage } } } }',
    '{ user { accounts { intervals(type: ELECTRICC) { usage } } } }',
    '{ user { accounts { intervals(kind: ELECTRIC) { usage } } } }',
  ])('answers %s with GRAPHQL_VALIDATION_FAILED and no suggestion', async (query) => {
    const response = await execute(production, query);
    const messages = (response.body.errors ?? []).map((error) => error.message);

    expect(errorCodes(response).length).toBeGreaterThan(0);
    expect(new Set(errorCodes(response))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(response.body.data ?? null).toBeNull();
    for (const message of messages) {
      expect(message).not.toMatch(/did you mean/i);
      const quoted = [...message.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '');
      for (const name of quoted) {
        // A quoted name is either one the caller wrote or a type the caller's field sits on.
        if (schemaNames().has(name)) {
          expect(query.includes(name) || ['User', 'Account', 'MeterType'].includes(name)).toBe(
            true,
          );
        }
      }
    }

    expect(stack.calls()).toEqual([]);
  });

  it('shows the suggestions in development, where they help', async () => {
    const development = createGateway({ source: stack.client, logger: createSilentLogger() });
    const response = await execute(development, '{ user { acounts { id } } }');

    expect(response.body.errors?.[0]?.message).toBe(
      'Cannot query field "acounts" on type "User". Did you mean "accounts"?',
    );
  });

  it('hides enum hints in variable errors too', async () => {
    const response = await execute(
      production,
      'query ($t: MeterType) { user { accounts { intervals(type: $t) { usage } } } }',
      { variables: { t: 'ELECTRICC' } as never },
    );

    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toBe(
      'Variable "$t" got invalid value "ELECTRICC"; Value "ELECTRICC" does not exist in "MeterType" enum.',
    );
  });

  it.each(['{ __schema { types { name } } }', '{ __type(name: "Account") { fields { name } } }'])(
    'refuses introspection %s',
    async (query) => {
      const response = await execute(production, query);
      const text = JSON.stringify(response.body);

      // One error per introspection field the query names.
      expect(errorCodes(response).length).toBeGreaterThan(0);
      expect(new Set(errorCodes(response))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(response.body.data ?? null).toBeNull();
      expect(text).not.toContain('"fields"');
      expect(text).not.toContain('"types"');
      expect(stack.calls()).toEqual([]);
    },
  );

  it('answers introspection in production when the operator turns it on', async () => {
    const open = createGateway({
      source: stack.client,
      logger: createSilentLogger(),
      production: true,
      security: { introspection: true },
    });
    const response = await execute<{ __type: { name: string } }, never>(
      open,
      '{ __type(name: "Account") { name } }',
    );

    expect(response.body.data?.__type.name).toBe('Account');
  });

  it('refuses introspection nested 40 levels deep in development by the depth limit', async () => {
    const development = createGateway({ source: stack.client, logger: createSilentLogger() });
    const query = `{ __type(name: "Account") { fields { type { ${'ofType { '.repeat(36)}name${' }'.repeat(36)} } } } }`;
    const response = await execute(development, query);

    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('depth');
    expect(response.body.data ?? null).toBeNull();
  });

  it('serves no GraphiQL page', async () => {
    const response = await production.fetch('http://gateway/graphql', {
      headers: { accept: 'text/html' },
    });
    const text = await response.text();

    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(text.toLowerCase()).not.toContain('graphiql');
    expect(stack.calls()).toEqual([]);
  });

  it('serves GraphiQL in production when the operator turns it on', async () => {
    const withGraphiQL = createGateway({
      source: stack.client,
      logger: createSilentLogger(),
      production: true,
      security: { graphiql: true },
    });
    const response = await withGraphiQL.fetch('http://gateway/graphql', {
      headers: { accept: 'text/html' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('masks an unexpected failure as INTERNAL_SERVER_ERROR with a generic message', async () => {
    const broken: PelmSource = {
      getAccounts: () => Promise.reject(new Error('db at 10.0.3.7 refused the connection')),
      getBills: () => Promise.reject(new Error('unused')),
      getIntervals: () => Promise.reject(new Error('unused')),
      getUser: () => Promise.reject(new Error('unused')),
    };
    const gateway = createGateway({
      source: broken,
      logger: createSilentLogger(),
      production: true,
    });
    const response = await execute(gateway, '{ user { accounts { id } } }');

    expect(response.body.errors?.map((error) => [error.message, error.extensions])).toEqual([
      ['Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' }],
    ]);
    expect(JSON.stringify(response.body)).not.toContain('10.0.3.7');
  });
});
