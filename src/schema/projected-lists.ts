import { collectSubFields, mapSchema, MapperKind } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  GraphQLNonNull,
  GraphQLScalarType,
  GraphQLSchema,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type FieldNode,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
} from 'graphql';

/**
 * Field extension marking a long list that is answered in one pass instead of being completed
 * item by item by the executor (see `createExecutionSchema`): a list of objects whose fields are
 * all plain leaves (scalars and enums without arguments), such as `Account.intervals`, or a list
 * of scalars, such as `IntervalSeries.usage`.
 */
export const PROJECTED_LIST = 'pelmProjectedList';

/** What a field's `extensions` hold to be projected. */
export const projectedList = { [PROJECTED_LIST]: true } as const;

/** In the execution schema, a projected field answers rows already shaped like the JSON. */
const ROWS_TYPE_NAME = 'ProjectedRows';

/** One column of a row: the response key and how to read it from an item. */
interface Column {
  key: string;
  read: (item: unknown, context: unknown, info: GraphQLResolveInfo) => unknown;
}

/**
 * A schema to execute with, alongside the public one that validates, prints and introspects.
 *
 * graphql-js completes every field of every object on its own (a path entry, a resolver call, a
 * promise check, a serialisation), and builds each result as a null-prototype object that
 * `JSON.stringify` walks slowly. For a month of 15-minute readings that is 8,640 objects and
 * most of a request's CPU. Here each marked list field returns a scalar holding the finished
 * rows: the subfields the query selects are collected once per selection (aliases, fragments,
 * `@skip` and `@include` as the executor would), then every item becomes one plain object whose
 * keys come in the executor's order, each value read by the field's own resolver and serialised
 * by its own type. A marked list of scalars is serialised by its item type in one loop, which
 * spares the executor's per-item completion (35,040 of them for a year of `usage`).
 *
 * Behaviour the executor has that this keeps: nullability of the list and its items, the
 * error path of the list field. What it does not keep: a subfield resolver sees the list field's
 * `info` and no arguments, and must answer synchronously; marked types are checked for that
 * when the schema is built. A failing subfield nulls the whole list (with its error) rather than
 * one item, which costs nothing here: the marked types read plain data that was validated when
 * it came from Pelm.
 */
export function createExecutionSchema(schema: GraphQLSchema): GraphQLSchema {
  const rows = new GraphQLScalarType({
    name: ROWS_TYPE_NAME,
    description: 'Rows already shaped by the projection; never part of the public schema.',
    serialize: (value) => value,
  });
  const config = schema.toConfig();
  const withRows = new GraphQLSchema({ ...config, types: [...config.types, rows] });

  return mapSchema(withRows, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) =>
      field.extensions?.[PROJECTED_LIST] === true
        ? projectField(field, `${typeName}.${fieldName}`, schema, rows)
        : field,
  });
}

function projectField(
  field: GraphQLFieldConfig<unknown, unknown>,
  coordinate: string,
  schema: GraphQLSchema,
  rows: GraphQLScalarType,
): GraphQLFieldConfig<unknown, unknown> {
  const listType = getNullable(field.type);
  const itemWrapped = isListType(listType) ? listType.ofType : undefined;
  const itemType = itemWrapped === undefined ? undefined : getNamedType(itemWrapped);
  if (itemWrapped === undefined || itemType === undefined || isListType(getNullable(itemWrapped))) {
    throw new Error(
      `${coordinate} is marked as a projected list but is not a list of objects or leaves. ` +
        'Mark only fields of type [SomeObject] (whose fields are all scalars or enums) or ' +
        '[SomeScalar].',
    );
  }

  const itemsNonNull = isNonNullType(itemWrapped);
  const finish = isLeafType(itemType)
    ? leafList(itemType, itemsNonNull)
    : objectList(
        schema,
        schema.getType(itemType.name) as GraphQLObjectType,
        coordinate,
        itemsNonNull,
      );
  const resolve = field.resolve ?? defaultFieldResolver;

  return {
    ...field,
    type: isNonNullType(field.type) ? new GraphQLNonNull(rows) : rows,
    resolve: (source, args, context, info) => {
      const items = resolve(source, args, context, info);

      return isPromiseLike(items)
        ? Promise.resolve(items).then((list) => finish(list, context, info))
        : finish(items, context, info);
    },
  };
}

/** Turns what the field's own resolver answered into the finished JSON value. */
type Finish = (items: unknown, context: unknown, info: GraphQLResolveInfo) => unknown[] | null;

/** A list of scalars: each item serialised by the item type in one loop. */
function leafList(type: GraphQLLeafType, itemsNonNull: boolean): Finish {
  return (items, _context, info) =>
    mapItems(items, itemsNonNull, info, (item) => type.serialize(item));
}

/** A list of flat objects: each item becomes one plain object holding the selected keys. */
function objectList(
  schema: GraphQLSchema,
  // The public schema's own type, so fragments and directives are judged against what the
  // client's query was validated with.
  type: GraphQLObjectType,
  coordinate: string,
  itemsNonNull: boolean,
): Finish {
  if (!isObjectType(type)) {
    throw new Error(`${coordinate} is marked as a projected list of an abstract type.`);
  }

  verifyLeafObject(type, coordinate);
  const plans = new WeakMap<Map<string, FieldNode[]>, Column[]>();

  return (items, context, info) => {
    const selected = collectSubFields(
      schema,
      info.fragments,
      info.variableValues,
      type,
      info.fieldNodes as FieldNode[],
    ).fields;
    let columns = plans.get(selected);
    if (columns === undefined) {
      columns = planColumns(type, selected);
      plans.set(selected, columns);
    }

    const plan = columns;

    return mapItems(items, itemsNonNull, info, (item) => {
      const row: Record<string, unknown> = {};
      for (const column of plan) {
        row[column.key] = column.read(item, context, info);
      }

      return row;
    });
  };
}

function getNullable(type: unknown): unknown {
  return isNonNullType(type) ? type.ofType : type;
}

function verifyLeafObject(type: GraphQLObjectType, coordinate: string): void {
  for (const field of Object.values(type.getFields())) {
    const nullable = getNullable(field.type);
    if (!isLeafType(nullable) || field.args.length > 0) {
      throw new Error(
        `${coordinate} is marked as a projected list, but ${type.name}.${field.name} is not a ` +
          'scalar or enum field without arguments. Remove the mark, or keep the item type flat.',
      );
    }
  }
}

function planColumns(type: GraphQLObjectType, selected: Map<string, FieldNode[]>): Column[] {
  const fields = type.getFields();
  const columns: Column[] = [];
  for (const [key, nodes] of selected) {
    const name = nodes[0]?.name.value;
    if (name === '__typename') {
      columns.push({ key, read: () => type.name });
      continue;
    }

    const field = name === undefined ? undefined : fields[name];
    if (field === undefined) {
      // Validation admits only the type's own fields; anything else is a gateway bug.
      throw new Error(`${type.name} has no field ${String(name)} to project.`);
    }

    columns.push({
      key,
      read: leafReader(
        field.resolve ?? propertyResolver(field.name),
        getNullable(field.type) as GraphQLLeafType,
        isNonNullType(field.type),
        `${type.name}.${field.name}`,
      ),
    });
  }

  return columns;
}

/**
 * graphql-js's default resolver reads the property named by `info.fieldName`, which here is the
 * list field's name; a subfield without a resolver reads its own name instead.
 */
function propertyResolver(name: string): GraphQLFieldResolver<unknown, unknown> {
  return (item, args, context, info) => {
    const value = (item as Record<string, unknown>)[name];

    return typeof value === 'function'
      ? (value as (...parts: unknown[]) => unknown).call(item, args, context, info)
      : value;
  };
}

function leafReader(
  resolve: GraphQLFieldResolver<unknown, unknown>,
  type: GraphQLLeafType,
  nonNull: boolean,
  coordinate: string,
): Column['read'] {
  const noArgs = {};

  return (item, context, info) => {
    const value = resolve(item, noArgs, context, info);
    if (value === null || value === undefined) {
      if (nonNull) {
        throw new GraphQLError(`Cannot return null for non-nullable field ${coordinate}.`);
      }

      return null;
    }

    if (isPromiseLike(value)) {
      throw new Error(`${coordinate} resolved asynchronously inside a projected list.`);
    }

    return type.serialize(value);
  };
}

function mapItems(
  items: unknown,
  itemsNonNull: boolean,
  info: GraphQLResolveInfo,
  map: (item: unknown) => unknown,
): unknown[] | null {
  if (items === null || items === undefined) {
    return null;
  }

  if (!Array.isArray(items)) {
    throw new Error(`${info.parentType.name}.${info.fieldName} resolved to something not a list.`);
  }

  const mapped: unknown[] = new Array(items.length);
  for (let index = 0; index < items.length; index += 1) {
    const item: unknown = items[index];
    if (item === null || item === undefined) {
      if (itemsNonNull) {
        throw new GraphQLError(
          `Cannot return null for an item of ${info.parentType.name}.${info.fieldName}.`,
        );
      }

      mapped[index] = null;
    } else {
      mapped[index] = map(item);
    }
  }

  return mapped;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
