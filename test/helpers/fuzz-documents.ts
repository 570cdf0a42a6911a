import {
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** A small seeded generator (mulberry32), so a failing fuzz case can be replayed by its seed. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };

  const int = (max: number) => Math.floor(next() * max);
  const chance = (p: number) => next() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  return { next, int, chance, pick };
}

export type Random = ReturnType<typeof createRandom>;

export interface FuzzCase {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

const JUNK_STRINGS = [
  '',
  ' ',
  'x',
  '😀',
  '\u0000',
  '"',
  '\\',
  '2024-13-45T99:99:99Z',
  'null',
  '-1',
];
const NOISE = '{}()[]:$@!."\\#,=|&\n \t';

/** A random JSON value of any shape: the "wrong" value for whatever it is given to. */
function junkValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 5 : 7)) {
    case 0:
      return random.pick([0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 40), Number.MAX_VALUE]);
    case 1:
      return random.pick(JUNK_STRINGS);
    case 2:
      return random.chance(0.5);
    case 3:
      return null;
    case 4:
      return 'x'.repeat(random.int(300));
    case 5:
      return Array.from({ length: random.int(4) }, () => junkValue(random, depth + 1));
    default:
      return {
        [random.pick(['a', 'id', '__proto__', 'constructor'])]: junkValue(random, depth + 1),
      };
  }
}

function isoTime(random: Random): string {
  const seconds = Date.UTC(2000, 0, 1) / 1000 + random.int(30 * 365 * 86_400);

  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A value for `type`, right most of the time, as JSON (variables) or as a literal. */
function valueFor(random: Random, type: GraphQLInputType, schema: GraphQLSchema): unknown {
  if (random.chance(0.15)) {
    return junkValue(random);
  }

  if (isNonNullType(type)) {
    return valueFor(random, type.ofType, schema);
  }

  if (isListType(type)) {
    return Array.from({ length: random.int(4) }, () => valueFor(random, type.ofType, schema));
  }

  const named = getNamedType(type);
  if (isEnumType(named)) {
    return random.pick(named.getValues()).name;
  }

  switch (named.name) {
    case 'DateTime':
      return isoTime(random);
    case 'Int':
      return random.pick([0, 1, 3, 12, 100, -1]);
    case 'Boolean':
      return random.chance(0.5);
    case 'ID':
      return random.chance(0.5) ? String(random.int(1_000)) : random.int(1_000);
    default:
      return random.pick(['Account', 'User', 'x', '']);
  }
}

/** Writes a JSON value as a GraphQL literal; strings matching an enum type go out bare. */
function literal(value: unknown, enumLike: boolean): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => literal(item, enumLike)).join(', ')}]`;
  }

  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${/^[_a-zA-Z]\w*$/.test(key) ? key : 'k'}: ${literal(item, false)}`)
      .join(', ')} }`;
  }

  if (typeof value === 'string' && enumLike && /^[_A-Za-z]\w*$/.test(value)) {
    return value;
  }

  if (typeof value === 'number' && !Number.isFinite(value)) {
    return '0';
  }

  return JSON.stringify(value) ?? 'null';
}

class DocumentWriter {
  readonly #random: Random;
  readonly #schema: GraphQLSchema;
  readonly variables: Record<string, unknown> = {};
  readonly declarations: string[] = [];
  #aliasCount = 0;

  constructor(random: Random, schema: GraphQLSchema) {
    this.#random = random;
    this.#schema = schema;
  }

  selection(type: GraphQLObjectType, depth: number, maxDepth: number): string {
    const random = this.#random;
    const fields = Object.values(type.getFields());
    const chosen = Array.from({ length: 1 + random.int(4) }, () => random.pick(fields));
    const parts = chosen.map((field) => {
      const alias = random.chance(0.2) ? `a${(this.#aliasCount += 1)}: ` : '';
      const name = random.chance(0.03) ? `${field.name}x` : field.name;
      const args = field.args.filter(() => random.chance(0.6)).map((arg) => this.argument(arg));
      const argText = args.length > 0 ? `(${args.join(', ')})` : '';
      const directive = random.chance(0.08) ? this.directive() : '';
      const named = getNamedType(field.type);
      const sub =
        isObjectType(named) && depth < maxDepth
          ? ` { ${this.selection(named, depth + 1, maxDepth)} }`
          : isObjectType(named)
            ? ' { __typename }'
            : '';

      return `${alias}${name}${argText}${directive}${sub}`;
    });
    if (random.chance(0.1)) {
      parts.push(`... on ${type.name} { __typename }`);
    }

    return parts.join(' ');
  }

  argument(arg: GraphQLArgument): string {
    const random = this.#random;
    const named = getNamedType(arg.type);
    if (random.chance(0.4)) {
      const name = `v${this.declarations.length}`;
      const declared = random.chance(0.9)
        ? String(arg.type)
        : random.pick(['Int', 'String!', '[ID]']);
      this.declarations.push(`$${name}: ${declared}`);
      if (random.chance(0.9)) {
        this.variables[name] = valueFor(random, arg.type, this.#schema);
      }

      return `${arg.name}: $${name}`;
    }

    const value = valueFor(random, arg.type, this.#schema);

    return `${arg.name}: ${literal(value, isEnumType(named) || !isScalarType(named))}`;
  }

  directive(): string {
    const name = `v${this.declarations.length}`;
    this.declarations.push(`$${name}: Boolean!`);
    this.variables[name] = this.#random.chance(0.9) ? this.#random.chance(0.5) : 'yes';

    return ` @${this.#random.pick(['include', 'skip'])}(if: $${name})`;
  }
}

/** Deletes, repeats or inserts a few characters, so the parser sees broken documents too. */
function corrupt(random: Random, text: string): string {
  let result = text;
  for (let step = 0; step < 1 + random.int(3); step += 1) {
    const at = random.int(result.length + 1);
    switch (random.int(3)) {
      case 0:
        result = result.slice(0, at) + result.slice(at + 1 + random.int(8));
        break;
      case 1:
        result = result.slice(0, at) + NOISE.charAt(random.int(NOISE.length)) + result.slice(at);
        break;
      default:
        result = result.slice(0, at) + result.slice(at, at + 10).repeat(2) + result.slice(at + 10);
    }
  }

  return result;
}

/** One generated operation with its variables: mostly valid, often wrong, sometimes broken. */
export function fuzzCase(random: Random, schema: GraphQLSchema): FuzzCase {
  const query = schema.getQueryType();
  if (query === null || query === undefined) {
    throw new Error('The schema has no query type to fuzz.');
  }

  const writer = new DocumentWriter(random, schema);
  const maxDepth = 2 + random.int(random.chance(0.1) ? 14 : 5);
  const body = writer.selection(query, 1, maxDepth);
  const name = random.chance(0.3) ? ` Op${random.int(3)}` : '';
  const head =
    writer.declarations.length > 0 || name !== ''
      ? `query${name}${writer.declarations.length > 0 ? `(${writer.declarations.join(', ')})` : ''} `
      : '';
  let text = `${head}{ ${body} }`;
  if (random.chance(0.1)) {
    text = corrupt(random, text);
  }

  return {
    query: text,
    variables: random.chance(0.05) ? { junk: junkValue(random) } : writer.variables,
    ...(name !== '' && random.chance(0.5)
      ? { operationName: random.pick(['Op0', 'Op1', 'Op2']) }
      : {}),
  };
}
