import {
  execute,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { createExecutionSchema, projectedList } from '../../src/schema/projected-lists.js';

interface Row {
  id: string;
  n: number | null;
  f: number;
  s: string | null;
  color: 'red' | 'blue';
  at: number;
}

const Color = new GraphQLEnumType({
  name: 'Color',
  values: { RED: { value: 'red' }, BLUE: { value: 'blue' } },
});

/** Serialises like the gateway's DateTime: epoch seconds in, text out. */
const Instant = new GraphQLScalarType({
  name: 'Instant',
  serialize: (value) => new Date(Number(value) * 1000).toISOString(),
});

const RowType = new GraphQLObjectType<Row>({
  name: 'Row',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLID) },
    n: { type: GraphQLInt },
    f: { type: new GraphQLNonNull(GraphQLFloat) },
    s: { type: GraphQLString },
    color: { type: new GraphQLNonNull(Color) },
    at: { type: new GraphQLNonNull(Instant) },
    double: { type: GraphQLFloat, resolve: (row) => row.f * 2 },
  },
});

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `row-${index}`,
    n: index % 3 === 0 ? null : index,
    f: index / 8,
    s: index % 2 === 0 ? `text ${index}` : null,
    color: index % 2 === 0 ? 'red' : 'blue',
    at: 1_717_200_000 + index * 900,
  }));
}

function testSchema(): GraphQLSchema {
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        rows: {
          type: new GraphQLList(new GraphQLNonNull(RowType)),
          args: { count: { type: GraphQLInt } },
          extensions: projectedList,
          resolve: (_root, args: { count?: number | null }) => rows(args.count ?? 5),
        },
        later: {
          type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(RowType))),
          extensions: projectedList,
          resolve: async () => rows(3),
        },
        gappy: {
          type: new GraphQLList(RowType),
          extensions: projectedList,
          resolve: () => [rows(1)[0], null, rows(2)[1]],
        },
        values: {
          type: new GraphQLList(new GraphQLNonNull(GraphQLFloat)),
          extensions: projectedList,
          resolve: () => [0.5, 1, 1234567.891],
        },
        colors: {
          type: new GraphQLNonNull(new GraphQLList(Color)),
          extensions: projectedList,
          resolve: async () => ['red', null, 'blue'],
        },
        instants: {
          type: new GraphQLList(new GraphQLNonNull(Instant)),
          extensions: projectedList,
          resolve: () => [0, 2_147_483_648],
        },
        badValues: {
          type: new GraphQLList(new GraphQLNonNull(GraphQLFloat)),
          extensions: projectedList,
          resolve: () => [1, Number.NaN],
        },
        none: {
          type: new GraphQLList(new GraphQLNonNull(RowType)),
          extensions: projectedList,
          resolve: () => null,
        },
        failing: {
          type: new GraphQLList(new GraphQLNonNull(RowType)),
          extensions: projectedList,
          resolve: () => {
            throw new Error('no rows today');
          },
        },
        broken: {
          type: new GraphQLList(new GraphQLNonNull(RowType)),
          extensions: projectedList,
          resolve: () => [{ ...rows(1)[0], f: null }],
        },
      },
    }),
  });
}

const publicSchema = testSchema();
const executionSchema = createExecutionSchema(publicSchema);

/** Both schemas' answers to one document, as JSON text, so key order counts too. */
async function both(
  source: string,
  variableValues?: Record<string, unknown>,
): Promise<[string, string]> {
  const document = parse(source);
  expect(validate(publicSchema, document)).toEqual([]);
  const run = async (schema: GraphQLSchema) =>
    JSON.stringify(await execute({ schema, document, variableValues }));

  return [await run(publicSchema), await run(executionSchema)];
}

/** A small seeded generator, so every run throws the same selections. */
function random(seed: number): () => number {
  let state = seed;

  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;

    return state / 2_147_483_648;
  };
}

const LEAVES = ['id', 'n', 'f', 's', 'color', 'at', 'double', '__typename'];

function selection(next: () => number, depth: number): string {
  const parts: string[] = [];
  const count = 1 + Math.floor(next() * 5);
  for (let index = 0; index < count; index += 1) {
    const leaf = LEAVES[Math.floor(next() * LEAVES.length)] ?? 'id';
    const roll = next();
    if (roll < 0.15 && leaf !== '__typename') {
      parts.push(`${leaf}${Math.floor(next() * 3)}: ${leaf}`);
    } else if (roll < 0.25) {
      parts.push(`${leaf} @skip(if: $flag)`);
    } else if (roll < 0.35) {
      parts.push(`${leaf} @include(if: ${next() < 0.5})`);
    } else if (roll < 0.45 && depth < 2) {
      parts.push(`... on Row { ${selection(next, depth + 1)} }`);
    } else if (roll < 0.5 && depth < 2) {
      parts.push(`... @include(if: $flag) { ${selection(next, depth + 1)} }`);
    } else if (roll < 0.55) {
      parts.push('...RowBits');
    } else {
      parts.push(leaf);
    }
  }

  return parts.join(' ');
}

describe('projected lists', () => {
  it('answer exactly what the executor answers, key order included, for 300 generated selections', async () => {
    const next = random(20_261_203);
    for (let round = 0; round < 300; round += 1) {
      const body = selection(next, 0);
      const source =
        `query Q($flag: Boolean!) { flagged: __typename @include(if: $flag) ` +
        `rows(count: 4) { ${body} } }\n` +
        (body.includes('...RowBits') ? 'fragment RowBits on Row { id at @skip(if: $flag) s }' : '');
      for (const flag of [true, false]) {
        const [expected, projected] = await both(source, { flag });
        expect(projected, `${source} with flag ${flag}`).toBe(expected);
      }
    }
  });

  it('answers an aliased, fragmented selection with the exact values of every row', async () => {
    const [expected, projected] = await both(
      '{ rows(count: 2) { kind: __typename id ...F when: at at id } } ' +
        'fragment F on Row { color double n }',
    );
    expect(projected).toBe(expected);
    expect(JSON.parse(projected)).toEqual({
      data: {
        rows: [
          {
            kind: 'Row',
            id: 'row-0',
            color: 'RED',
            double: 0,
            n: null,
            when: '2024-06-01T00:00:00.000Z',
            at: '2024-06-01T00:00:00.000Z',
          },
          {
            kind: 'Row',
            id: 'row-1',
            color: 'BLUE',
            double: 0.25,
            n: 1,
            when: '2024-06-01T00:15:00.000Z',
            at: '2024-06-01T00:15:00.000Z',
          },
        ],
      },
    });
  });

  it('keeps the executor’s answer for a list that resolves later, is null or throws', async () => {
    for (const field of ['later', 'none', 'failing']) {
      const [expected, projected] = await both(`{ ${field} { id f } }`);
      expect(projected, field).toBe(expected);
    }

    const [, failing] = await both('{ failing { id } }');
    expect(JSON.parse(failing)).toEqual({
      data: { failing: null },
      errors: [
        { message: 'no rows today', locations: [{ line: 1, column: 3 }], path: ['failing'] },
      ],
    });
  });

  it('nulls the list, with the error at its path, when an item of non-null items breaks a non-null field', async () => {
    const [expected, projected] = await both('{ broken { id f } }');
    const answer = JSON.parse(projected) as { data: unknown; errors: Array<{ path: unknown }> };
    expect(answer.data).toEqual({ broken: null });
    expect(answer.errors.map((error) => error.path)).toEqual([['broken']]);
    // The executor points one level deeper, at the item's field; the data is the same.
    expect((JSON.parse(expected) as { data: unknown }).data).toEqual({ broken: null });
  });

  it('serialises marked lists of scalars and enums as the executor does', async () => {
    const [expected, projected] = await both('{ values colors instants }');
    expect(projected).toBe(expected);
    expect(JSON.parse(projected)).toEqual({
      data: {
        values: [0.5, 1, 1234567.891],
        colors: ['RED', null, 'BLUE'],
        instants: ['1970-01-01T00:00:00.000Z', '2038-01-19T03:14:08.000Z'],
      },
    });
  });

  it('nulls a marked list of scalars with the serialiser’s error when an item cannot be written', async () => {
    const [expected, projected] = await both('{ badValues }');
    expect(JSON.parse(projected)).toEqual({
      data: { badValues: null },
      errors: [
        {
          message: 'Float cannot represent non numeric value: NaN',
          locations: [{ line: 1, column: 3 }],
          path: ['badValues'],
        },
      ],
    });
    expect((JSON.parse(expected) as { data: unknown }).data).toEqual({ badValues: null });
  });

  it('keeps null items of a list whose items are nullable', async () => {
    const [expected, projected] = await both('{ gappy { id } }');
    expect(projected).toBe(expected);
    expect(JSON.parse(projected)).toEqual({
      data: { gappy: [{ id: 'row-0' }, null, { id: 'row-1' }] },
    });
  });

  it('refuses to mark a list whose items have object fields or arguments', () => {
    const Nested = new GraphQLObjectType({
      name: 'Nested',
      fields: { row: { type: RowType } },
    });
    const WithArgs = new GraphQLObjectType({
      name: 'WithArgs',
      fields: { value: { type: GraphQLInt, args: { scale: { type: GraphQLInt } } } },
    });
    const schemaWith = (type: GraphQLObjectType) =>
      new GraphQLSchema({
        query: new GraphQLObjectType({
          name: 'Query',
          fields: { items: { type: new GraphQLList(type), extensions: projectedList } },
        }),
      });

    expect(() => createExecutionSchema(schemaWith(Nested))).toThrow(
      'Query.items is marked as a projected list, but Nested.row is not a scalar or enum field',
    );
    expect(() => createExecutionSchema(schemaWith(WithArgs))).toThrow(
      'Query.items is marked as a projected list, but WithArgs.value is not a scalar or enum field',
    );
  });

  it('leaves the public schema untouched', () => {
    const rowsField = publicSchema.getQueryType()?.getFields()['rows'];
    expect(String(rowsField?.type)).toBe('[Row!]');
    expect(String(executionSchema.getQueryType()?.getFields()['rows']?.type)).toBe('ProjectedRows');
    expect(publicSchema.getType('ProjectedRows')).toBeUndefined();
  });
});
