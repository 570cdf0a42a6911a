import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createGateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { estimatePelmCost } from '../../src/security/pelm-cost.js';
import { schema } from '../../src/schema/index.js';
import { parse } from 'graphql';
import { errorCodes, execute, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let bobAccount: string;

beforeAll(async () => {
  stack = await startStack();
  const response = await execute<{ user: { accounts: Array<{ id: string }> } }, never>(
    stack.gateway,
    '{ user { accounts { id } } }',
  );
  bobAccount = response.body.data?.user.accounts[0]?.id ?? '';
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.resetCalls();
});

/** `{ user { … on User { … on User { id } } } }`: valid at any depth, each fragment a level. */
function inlineNesting(depth: number): string {
  return `{ user { ${'... on User { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

/** `__type { fields { type { ofType { ofType … } } } }`, valid introspection `depth` levels deep. */
function introspectionNesting(depth: number): string {
  return `{ __type(name: "Account") { fields { type { ${'ofType { '.repeat(depth - 4)}name${' }'.repeat(depth - 4)} } } } }`;
}

/** `{ user { accounts { w1: intervals(…) … } } }` with one alias per day from 2023-01-01. */
function dailyWindows(days: number): string {
  const start = Date.parse('2023-01-01T00:00:00Z');
  const aliases = Array.from({ length: days }, (_, day) => {
    const from = new Date(start + day * 86_400_000).toISOString();
    const to = new Date(start + (day + 1) * 86_400_000).toISOString();

    return `w${day + 1}: intervals(type: ELECTRIC, from: "${from}", to: "${to}") { usage }`;
  });

  return `{ user { accounts { ${aliases.join(' ')} } } }`;
}

async function send(query: string, variables?: Record<string, unknown>) {
  const response = await execute(stack.gateway, query, {
    ...(variables === undefined ? {} : { variables: variables as never }),
  });

  return { response, codes: errorCodes(response), calls: stack.calls() };
}

describe('shape limits refuse hostile documents before any upstream call', () => {
  it('refuses a selection 50 levels deep with QUERY_TOO_COMPLEX naming the depth limit', async () => {
    const { response, codes, calls } = await send(inlineNesting(50));

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    // A JSON client gets 200 for a document that does not validate (GraphQL over HTTP).
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0]?.message).toBe(
      'Query too complex: Query depth limit of 10 exceeded, found 50.',
    );
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('depth');
    expect(response.body.data ?? null).toBeNull();
    expect(calls).toEqual([]);
  });

  it('refuses introspection nested 50 levels deep by the same depth limit', async () => {
    const { codes, response, calls } = await send(introspectionNesting(50));

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.data ?? null).toBeNull();
    expect(calls).toEqual([]);
  });

  it('accepts the deepest real read of the schema', async () => {
    const { codes } = await send(
      '{ user { accounts { bills(limit: 1) { charges { gas { amount } } } } } }',
    );

    expect(codes).toEqual([]);
  });

  it('refuses 1,000 aliases of the same field as QUERY_TOO_COMPLEX naming the alias limit', async () => {
    const aliases = Array.from({ length: 1_000 }, (_, index) => `a${index}: id`).join(' ');
    const { response, codes, calls } = await send(`{ user { accounts { ${aliases} } } }`);

    // 1,000 aliases are also over the token limit, which the parser checks first.
    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('tokens');
    expect(calls).toEqual([]);
  });

  it('refuses 21 aliases, inside the token limit, as QUERY_TOO_COMPLEX naming the alias limit', async () => {
    const aliases = Array.from({ length: 21 }, (_, index) => `a${index}: id`).join(' ');
    const { response, codes, calls } = await send(`{ user { accounts { ${aliases} } } }`);

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toBe(
      'Query too complex: Aliases limit of 20 exceeded, found 21.',
    );
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('aliases');
    expect(calls).toEqual([]);
  });

  it('refuses a 2 MB document with HTTP 413 and BAD_REQUEST before parsing it', async () => {
    const padding = ' '.repeat(2 * 1024 * 1024);
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
      body: JSON.stringify({ query: `{ user { accounts { id } } ${padding}}` }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };

    expect(response.status).toBe(413);
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a 2 MB document sent without Content-Length (chunked) with HTTP 413', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) {
          controller.enqueue(new TextEncoder().encode('{"query":"{ user { id } }'));
        }

        if (sent >= 32) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();

          return;
        }

        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
      body,
      duplex: 'half',
    } as RequestInit);
    const answer = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };

    expect(response.status).toBe(413);
    expect(answer.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a 2 MB document inside the body limit by its token count', async () => {
    const gateway = createGateway({
      source: stack.client,
      logger: createSilentLogger(),
      security: { maxBodyBytes: 4 * 1024 * 1024 },
    });
    const fields = 'id '.repeat(700_000);
    const response = await execute(gateway, `{ user { accounts { ${fields} } } }`);

    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toBe(
      'Query too complex: Token limit of 2000 exceeded.',
    );
    expect(stack.calls()).toEqual([]);
  });

  it('refuses circular fragments as GRAPHQL_VALIDATION_FAILED', async () => {
    const { codes, response, calls } = await send(
      '{ user { accounts { ...A } } } fragment A on Account { id ...B } fragment B on Account { address ...A }',
    );

    expect(codes).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(codes.every((code) => code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(response.body.errors?.[0]?.message).toBe(
      'Cannot spread fragment "A" within itself via "B".',
    );
    expect(calls).toEqual([]);
  });

  it('refuses 11 directives as QUERY_TOO_COMPLEX naming the directive limit', async () => {
    const { response, codes, calls } = await send(
      `{ user { accounts { id ${'@include(if: true) '.repeat(11)} } } }`,
    );

    expect(codes).toContain('QUERY_TOO_COMPLEX');
    expect(
      response.body.errors?.find((error) => error.extensions?.['code'] === 'QUERY_TOO_COMPLEX')
        ?.extensions?.['limit'],
    ).toBe('directives');
    expect(calls).toEqual([]);
  });

  it('refuses 100 batched operations with HTTP 400 and BAD_REQUEST when batching is off', async () => {
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
      body: JSON.stringify(
        Array.from({ length: 100 }, () => ({ query: '{ user { accounts { id } } }' })),
      ),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };

    expect(response.status).toBe(400);
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a batch over the cap as a whole, and runs one within it, when batching is on', async () => {
    const gateway = createGateway({
      source: stack.client,
      logger: createSilentLogger(),
      security: { batchLimit: 5 },
    });
    const batch = (size: number) =>
      gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sandbox-bob' },
        body: JSON.stringify(
          Array.from({ length: size }, () => ({ query: '{ user { accounts { id } } }' })),
        ),
      });

    const over = await batch(100);
    const overBody = (await over.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(over.status).toBe(413);
    expect(overBody.errors.map((error) => error.extensions.code)).toEqual(['BAD_REQUEST']);
    expect(stack.calls()).toEqual([]);

    const within = await batch(2);
    const withinBody = (await within.json()) as Array<{ data: unknown }>;
    expect(within.status).toBe(200);
    expect(withinBody).toHaveLength(2);
  });
});

describe('the Pelm cost limit', () => {
  it('lets a year of 15-minute data for one account through', async () => {
    const { response, codes } = await send(
      `query ($ids: [ID!], $from: DateTime, $to: DateTime) {
        user { accounts(ids: $ids) { intervals(type: ELECTRIC, from: $from, to: $to) { usage } } }
      }`,
      { ids: [bobAccount], from: '2023-07-01T00:00:00Z', to: '2024-07-01T00:00:00Z' },
    );

    expect(codes).toEqual([]);
    expect(response.body.data).toBeDefined();
    // One accounts call plus seven 60-day windows.
    expect(stack.calls().filter((call) => call === 'GET /intervals')).toHaveLength(7);
  });

  it('lets a year of 15-minute data for every account of a user through', () => {
    const estimate = estimatePelmCost(
      schema,
      parse(
        '{ user { accounts { intervals(type: ELECTRIC, from: "2023-07-01T00:00:00Z", to: "2024-07-01T00:00:00Z") { usage } } } }',
      ),
    );

    expect(estimate).toEqual({ calls: 22, points: 105_411, cost: 127_411 });
  });

  it('refuses 10 years of 15-minute data for one account before any upstream call', async () => {
    const { response, codes, calls } = await send(
      `{ user { accounts(ids: ["${bobAccount}"]) {
          intervals(type: ELECTRIC, from: "2014-07-01T00:00:00Z", to: "2024-07-01T00:00:00Z") { usage }
      } } }`,
    );

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.message).toBe(
      'Query too complex: it would cost about 412689 (62 upstream calls, 350689 items), over the ' +
        'limit of 200000. Ask for shorter date ranges or fewer accounts.',
    );
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('cost');
    expect(calls).toEqual([]);
  });

  it('refuses the same 10 years when the dates arrive as variables', async () => {
    const { codes, calls } = await send(
      `query ($from: DateTime, $to: DateTime) {
        user { accounts(ids: ["${bobAccount}"]) { intervals(type: ELECTRIC, from: $from, to: $to) { usage } } }
      }`,
      { from: '2014-07-01T00:00:00Z', to: '2024-07-01T00:00:00Z' },
    );

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(calls).toEqual([]);
  });

  it('refuses 365 one-day windows over every account on cost alone, aliases allowed', async () => {
    const gateway = createGateway({
      source: stack.client,
      logger: createSilentLogger(),
      security: { queryLimits: { maxAliases: 1_000, maxTokens: 100_000 } },
    });
    const response = await execute(gateway, dailyWindows(365));

    expect(errorCodes(response)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('cost');
    expect(stack.calls()).toEqual([]);
  });

  it('refuses many cheap summed ranges on the upstream calls they imply, before any call', async () => {
    // Summed by month, ten years are 120 items; shifting each range by a second defeats the
    // cache, so three of them are 61 windows each: 184 Pelm calls with GET /accounts.
    const ranges = [0, 1, 2].map(
      (second) =>
        `r${second}: intervalSeries(type: ELECTRIC, resolution: MONTH, ` +
        `from: "2014-07-01T00:00:0${second}Z", to: "2024-07-01T00:00:00Z") { count }`,
    );
    const { response, codes, calls } = await send(
      `{ user { accounts(ids: ["${bobAccount}"]) { ${ranges.join(' ')} } } }`,
    );

    expect(codes).toEqual(['QUERY_TOO_COMPLEX']);
    expect(response.body.errors?.[0]?.extensions?.['limit']).toBe('upstream-calls');
    expect(response.body.errors?.[0]?.message).toBe(
      'Query too complex: it would make about 184 upstream calls, over the limit of 100. ' +
        'Ask for fewer or longer date ranges.',
    );
    expect(calls).toEqual([]);
  });

  it('stops at the upstream-call limit a user with more accounts than the estimate assumed', async () => {
    // Five accounts (the estimate assumes three): 1 + 5 × 31 windows = 156 calls, priced at 94.
    const response = await execute(
      stack.gateway,
      '{ user { accounts { id intervalSeries(type: ELECTRIC, resolution: MONTH, ' +
        'from: "2019-07-01T00:00:00Z", to: "2024-07-01T00:00:00Z") { count } } } }',
      { token: 'sandbox-user-4' },
    );
    const calls = stack.calls();
    const accounts = (
      response.body.data as { user: { accounts: Array<{ intervalSeries: unknown }> } } | undefined
    )?.user.accounts;
    const refused = (response.body.errors ?? []).filter(
      (error) => error.extensions?.['limit'] === 'upstream-calls',
    );

    expect(calls.length).toBe(100);
    expect(accounts).toHaveLength(5);
    expect(accounts?.filter((account) => account.intervalSeries === null).length).toBe(
      new Set(refused.map((error) => String(error.path?.[2]))).size,
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((error) => error.extensions?.['code'] === 'QUERY_TOO_COMPLEX')).toBe(true);
  });

  it('prices a range with only a start or only an end as the one two-month window Pelm answers', () => {
    const price = (range: string) =>
      estimatePelmCost(
        schema,
        parse(
          `{ user { accounts(ids: ["a"]) { intervals(type: ELECTRIC, ${range}) { usage } } } }`,
        ),
      );

    // Two months of 15-minute readings in one call, plus GET /accounts.
    const twoMonths = { calls: 2, points: 5_761, cost: 7_761 };
    expect(price('from: "2020-01-01T00:00:00Z"')).toEqual(twoMonths);
    expect(price('to: "2020-01-01T00:00:00Z"')).toEqual(twoMonths);
  });

  it('prices summed and compact intervals by the calls they need and the items they return', () => {
    const year = 'from: "2023-07-01T00:00:00Z", to: "2024-07-01T00:00:00Z"';
    const price = (field: string) =>
      estimatePelmCost(schema, parse(`{ user { accounts(ids: ["a"]) { ${field} } } }`));

    // Seven 60-day windows whatever the shape; 366 days bound 367 buckets of at least 23 hours.
    expect(price(`intervals(type: ELECTRIC, ${year}) { usage }`)).toEqual({
      calls: 8,
      points: 35_137,
      cost: 43_137,
    });
    expect(price(`intervals(type: ELECTRIC, ${year}, resolution: DAY) { usage }`)).toEqual({
      calls: 8,
      points: 383,
      cost: 8_383,
    });
    // A series is one object: its lists are leaves, priced by the readings behind them.
    expect(price(`intervalSeries(type: ELECTRIC, ${year}) { usage }`)).toEqual({
      calls: 8,
      points: 35_137,
      cost: 43_137,
    });
    // Summing saves the answer's size, not Pelm's calls: ten years of days is still 61 windows.
    const decade = 'from: "2014-07-01T00:00:00Z", to: "2024-07-01T00:00:00Z"';
    expect(price(`intervals(type: ELECTRIC, ${decade}, resolution: DAY) { usage }`)?.calls).toBe(
      62,
    );
  });

  it('prices a fragment spread twice as twice the work, and a cycle as nothing more', () => {
    const once = estimatePelmCost(
      schema,
      parse('{ user { ...U } } fragment U on User { accounts { id } }'),
    );
    const twice = estimatePelmCost(
      schema,
      parse('{ user { ...U a: accounts { id } } } fragment U on User { accounts { id } }'),
    );

    expect(once).toEqual({ calls: 1, points: 3, cost: 1_003 });
    expect(twice).toEqual({ calls: 2, points: 6, cost: 2_006 });
  });
});

describe('invalid variables are refused with BAD_USER_INPUT and no upstream call', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['ID', 'query ($v: ID) { user(id: $v) { id } }', { v: { nested: true } }],
    ['ID!', 'query ($v: ID!) { user(id: $v) { id } }', {}],
    ['[ID!]', 'query ($v: [ID!]) { user { accounts(ids: $v) { id } } }', { v: [null] }],
    ['Int', 'query ($v: Int) { user { accounts { bills(limit: $v) { id } } } }', { v: 'ten' }],
    [
      'Int (33 bits)',
      'query ($v: Int) { user { accounts { bills(limit: $v) { id } } } }',
      { v: 2 ** 33 },
    ],
    [
      'Int (fraction)',
      'query ($v: Int) { user { accounts { bills(limit: $v) { id } } } }',
      { v: 1.5 },
    ],
    [
      'DateTime',
      'query ($v: DateTime) { user { accounts { bills(from: $v) { id } } } }',
      { v: 'yesterday' },
    ],
    [
      'DateTime (no zone)',
      'query ($v: DateTime) { user { accounts { bills(from: $v) { id } } } }',
      { v: '2024-06-01T00:00:00' },
    ],
    [
      'DateTime (number)',
      'query ($v: DateTime) { user { accounts { bills(from: $v) { id } } } }',
      { v: 1_717_200_000 },
    ],
    [
      'MeterType',
      'query ($v: MeterType) { user { accounts { intervals(type: $v) { usage } } } }',
      { v: 'WATER' },
    ],
    [
      'MeterType (lower case)',
      'query ($v: MeterType) { user { accounts { intervals(type: $v) { usage } } } }',
      { v: 'electric' },
    ],
    ['Boolean', 'query ($v: Boolean!) { user { id @include(if: $v) } }', { v: 'yes' }],
    ['String', 'query ($v: String!) { user { id } __type(name: $v) { name } }', { v: 42 }],
  ];

  it.each(cases)('refuses a bad %s variable', async (_scalar, query, variables) => {
    const { response, codes, calls } = await send(query, variables);

    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(response.body.data ?? null).toBeNull();
    expect(calls).toEqual([]);
  });
});
