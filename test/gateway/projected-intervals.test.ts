import type { GraphQLObjectType } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createContextFactory, type GatewayContext } from '../../src/context.js';
import { createSilentLogger } from '../../src/logger.js';
import { executionSchema, schema } from '../../src/schema/index.js';
import { SyncService } from '../../src/sync/sync-service.js';
import { useUpstreamScope } from '../../src/use-upstream-scope.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let reference: ReturnType<typeof createYoga<Record<string, never>, GatewayContext>>;

beforeAll(async () => {
  stack = await startStack();
  const logger = createSilentLogger();
  // The public schema on a stock Yoga: graphql-js completes every interval field by field.
  reference = createYoga<Record<string, never>, GatewayContext>({
    schema,
    logging: false,
    context: createContextFactory({
      source: stack.client,
      logger,
      sync: new SyncService({ source: stack.client, logger }),
    }),
    plugins: [useUpstreamScope()],
  });
});
afterAll(async () => {
  await stack.close();
});

async function answer(
  server: { fetch: (url: string, init: RequestInit) => Response | Promise<Response> },
  query: string,
  variables: Record<string, unknown>,
): Promise<string> {
  const response = await server.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
    body: JSON.stringify({ query, variables }),
  });

  return response.text();
}

const DAY = 'from: "2024-06-01T07:00:00Z", to: "2024-06-02T07:00:00Z"';

const QUERIES: Record<string, string> = {
  'every field, aliased and repeated': /* GraphQL */ `
    query ($skip: Boolean!) {
      user { accounts { id
        intervals(type: ELECTRIC, ${DAY}) {
          kind: __typename start end durationSeconds usage ghgEmissions readings
          begins: start
          ... on Interval { usage end }
          ...Energy
          usage @skip(if: $skip)
          readings @include(if: $skip)
        }
      } }
    }
    fragment Energy on Interval { ghgEmissions start @skip(if: $skip) }`,
  'gas days and a summed resolution': /* GraphQL */ `
    query ($skip: Boolean!) {
      user { accounts { id
        gas: intervals(type: GAS, ${DAY}) { start end usage ghgEmissions readings }
        hours: intervals(type: ELECTRIC, ${DAY}, resolution: HOUR) @skip(if: $skip) {
          start usage readings
        }
      } }
    }`,
  'series of every kind': /* GraphQL */ `
    query ($skip: Boolean!) {
      user { accounts { id
        intervalSeries(type: ELECTRIC, ${DAY}) {
          count start end stepSeconds starts ends usage ghgEmissions readings
          again: usage @skip(if: $skip)
        }
        daily: intervalSeries(type: GAS, ${DAY}, resolution: DAY) { starts usage ghgEmissions }
      } }
    }`,
  'meter intervals': /* GraphQL */ `
    query ($skip: Boolean!) {
      user { accounts { meters { id
        intervals(${DAY}) { start usage @include(if: $skip) ghgEmissions }
      } } }
    }`,
};

describe('intervals answered by projection', () => {
  it('are projected lists in the schema the gateway executes with', () => {
    const typeOf = (type: string, field: string) =>
      String((executionSchema.getType(type) as GraphQLObjectType).getFields()[field]?.type);
    expect([typeOf('Account', 'intervals'), typeOf('Meter', 'intervals')]).toEqual([
      'ProjectedRows',
      'ProjectedRows',
    ]);
    expect(typeOf('IntervalSeries', 'usage')).toBe('ProjectedRows!');
  });

  for (const [name, query] of Object.entries(QUERIES)) {
    it(`answer byte for byte what the executor answers: ${name}`, async () => {
      for (const skip of [true, false]) {
        const expected = await answer(reference, query, { skip });
        const projected = await answer(stack.gateway, query, { skip });
        expect(JSON.parse(expected)).not.toHaveProperty('errors');
        expect(projected).toBe(expected);
      }
    });
  }

  it('answer the same error, at the same path, when Pelm refuses a meter type', async () => {
    const query = `{ user { accounts { id intervals(type: GAS, ${DAY}) { start } } } }`;
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sandbox-alice-socalgas',
      },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as {
      data: { user: { accounts: Array<{ intervals: unknown }> } };
      errors: Array<{ path: unknown[]; extensions: { code: string } }>;
    };
    expect(body.data.user.accounts.map((account) => account.intervals)).toEqual([null]);
    expect(body.errors.map((error) => [error.path, error.extensions.code])).toEqual([
      [['user', 'accounts', 0, 'intervals'], 'FEATURE_UNAVAILABLE'],
    ]);
  });
});
