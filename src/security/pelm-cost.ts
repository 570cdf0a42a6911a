import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

import { DEFAULT_MAX_UPSTREAM_CALLS } from '../loaders.js';
import { MAX_WINDOW_SECONDS } from '../schema/interval.js';
import { type Resolution, SHORTEST_BUCKET_SECONDS } from '../schema/resolution.js';

/**
 * How a query is priced before it runs. Pelm bills per call and caps calls per plan, and a
 * response's size grows with the readings it carries, so both count: each upstream call the
 * query implies (every intervals window of every account it fans out over) and each item it
 * returns (interval readings, bills, accounts).
 */
export interface PelmCostModel {
  /** Highest cost a query may have. @default 200_000 */
  maxCost: number;
  /**
   * Most upstream calls a query may imply, whatever its cost: summed resolutions keep the items
   * few, so a query of many long, slightly shifted ranges is cheap in items yet expensive in
   * Pelm calls. @default 100
   */
  maxCalls: number;
  /** Cost of one upstream Pelm call. @default 1_000 */
  callCost: number;
  /** Cost of one returned item: an interval reading, a bill or an account. @default 1 */
  pointCost: number;
  /**
   * Accounts a user is assumed to have when `accounts` lists no `ids` (the count is unknown
   * before Pelm answers). @default 3
   */
  assumedAccounts: number;
  /** Meters assumed per account under `Account.meters`. @default 2 */
  assumedMeters: number;
  /** Bills assumed per account when `bills` has no `limit` (three years of monthly bills). @default 36 */
  assumedBills: number;
}

/**
 * With these numbers a year of 15-minute readings for one account costs about 42 000, and for
 * three accounts about 127 000, both allowed; 365 one-day windows cost at least 400 000 even for
 * one account, and ten years of 15-minute readings about 411 000: both refused.
 */
export const DEFAULT_COST_MODEL: PelmCostModel = {
  maxCost: 200_000,
  maxCalls: DEFAULT_MAX_UPSTREAM_CALLS,
  callCost: 1_000,
  pointCost: 1,
  assumedAccounts: 3,
  assumedMeters: 2,
  assumedBills: 36,
};

/** Seconds between two readings: electric meters read every 15 minutes, gas once a day. */
const ELECTRIC_STEP_SECONDS = 900;
const GAS_STEP_SECONDS = 86_400;
/** Pelm answers two months when a window lacks its start or its end. */
const DEFAULT_SPAN_SECONDS = 60 * 86_400;

export interface CostEstimate {
  /** Upstream calls the query implies, at most. */
  calls: number;
  /** Items it returns, at most. */
  points: number;
  /** `calls × callCost + points × pointCost`. */
  cost: number;
}

interface Tally {
  calls: number;
  points: number;
}

type Arguments = Record<string, unknown>;

/** What one field adds for each time it runs, and how many times its children run. */
interface FieldPrice extends Tally {
  fanOut: number;
}

/**
 * Prices the operation that would run, reading arguments from literals and variables alike.
 * Answers `undefined` when the operation cannot run at all (no such operation, variables that
 * do not coerce): execution then refuses it without calling upstream.
 */
export function estimatePelmCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  options: {
    operationName?: string | null | undefined;
    variables?: Readonly<Record<string, unknown>> | null | undefined;
    model?: PelmCostModel;
    nowSeconds?: number;
  } = {},
): CostEstimate | undefined {
  const model = options.model ?? DEFAULT_COST_MODEL;
  const operation = getOperationAST(document, options.operationName) ?? null;
  const root = operation === null ? null : schema.getRootType(operation.operation);
  if (operation === null || root === null || root === undefined) {
    return undefined;
  }

  const coerced = getVariableValues(
    schema,
    operation.variableDefinitions ?? [],
    options.variables ?? {},
    { maxErrors: 1 },
  );
  if (coerced.errors !== undefined) {
    return undefined;
  }

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }

  const pricer = new SelectionPricer(schema, fragments, coerced.coerced, model, options.nowSeconds);
  const tally = pricer.price(operation.selectionSet, root);

  return {
    calls: tally.calls,
    points: tally.points,
    cost: tally.calls * model.callCost + tally.points * model.pointCost,
  };
}

class SelectionPricer {
  readonly #schema: GraphQLSchema;
  readonly #fragments: Map<string, FragmentDefinitionNode>;
  readonly #variables: Record<string, unknown>;
  readonly #model: PelmCostModel;
  readonly #nowSeconds: number;
  /** A fragment's price per run, computed once: nested spreads would otherwise be exponential. */
  readonly #fragmentPrices = new Map<string, Tally>();
  readonly #inProgress = new Set<string>();

  constructor(
    schema: GraphQLSchema,
    fragments: Map<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    model: PelmCostModel,
    nowSeconds: number | undefined,
  ) {
    this.#schema = schema;
    this.#fragments = fragments;
    this.#variables = variables;
    this.#model = model;
    this.#nowSeconds = nowSeconds ?? Math.floor(Date.now() / 1000);
  }

  /** Price of running `set` once on an object of type `parent`. */
  price(set: SelectionSetNode, parent: GraphQLCompositeType): Tally {
    const total: Tally = { calls: 0, points: 0 };
    for (const selection of set.selections) {
      const part =
        selection.kind === Kind.FIELD
          ? this.#priceField(selection, parent)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? this.#priceInline(selection.selectionSet, selection.typeCondition?.name.value, parent)
            : this.#priceFragment(selection.name.value, parent);
      total.calls += part.calls;
      total.points += part.points;
    }

    return total;
  }

  #priceInline(set: SelectionSetNode, typeName: string | undefined, parent: GraphQLCompositeType) {
    const type = typeName === undefined ? parent : this.#schema.getType(typeName);

    return type !== undefined && isCompositeType(type)
      ? this.price(set, type)
      : { calls: 0, points: 0 };
  }

  #priceFragment(name: string, parent: GraphQLCompositeType): Tally {
    const known = this.#fragmentPrices.get(name);
    if (known !== undefined) {
      return known;
    }

    const fragment = this.#fragments.get(name);
    // A spread cycle is a validation error; refusing to recurse keeps this total anyway.
    if (fragment === undefined || this.#inProgress.has(name)) {
      return { calls: 0, points: 0 };
    }

    this.#inProgress.add(name);
    const tally = this.#priceInline(
      fragment.selectionSet,
      fragment.typeCondition.name.value,
      parent,
    );
    this.#inProgress.delete(name);
    this.#fragmentPrices.set(name, tally);

    return tally;
  }

  #priceField(node: FieldNode, parent: GraphQLCompositeType): Tally {
    if (node.name.value.startsWith('__') || !('getFields' in parent)) {
      return { calls: 0, points: 0 };
    }

    const field = parent.getFields()[node.name.value];
    if (field === undefined) {
      return { calls: 0, points: 0 };
    }

    let args: Arguments;
    try {
      args = getArgumentValues(field, node, this.#variables);
    } catch {
      // Arguments that do not coerce fail validation or execution before any upstream call.
      return { calls: 0, points: 0 };
    }

    const own = this.#fieldPrice(`${parent.name}.${field.name}`, args);
    const child = getNamedType(field.type);
    const below =
      node.selectionSet !== undefined && isCompositeType(child)
        ? this.price(node.selectionSet, child)
        : { calls: 0, points: 0 };

    return {
      calls: own.calls + own.fanOut * below.calls,
      points: own.points + own.fanOut * below.points,
    };
  }

  #fieldPrice(coordinate: string, args: Arguments): FieldPrice {
    const model = this.#model;
    switch (coordinate) {
      case 'User.accounts': {
        const ids = args['ids'];
        const accounts = Array.isArray(ids) ? ids.length : model.assumedAccounts;

        return { calls: 1, points: accounts, fanOut: accounts };
      }

      case 'User.utility':
      case 'User.utilityUsername':
      case 'User.credentialsValid':
        return { calls: 1, points: 0, fanOut: 1 };
      case 'Account.bills': {
        const limit = typeof args['limit'] === 'number' ? Math.max(0, args['limit']) : undefined;
        const bills = Math.min(limit ?? model.assumedBills, model.assumedBills);

        return { calls: 1, points: bills, fanOut: bills };
      }

      case 'Account.meters':
        return { calls: 0, points: 0, fanOut: model.assumedMeters };
      case 'Account.intervals':
      case 'Account.intervalSeries':
      case 'Meter.intervals':
      case 'Meter.intervalSeries': {
        const price = this.#intervalsPrice(args, args['type'] === 'GAS');

        // A series is one object whatever its length: its lists are leaves, priced above.
        return coordinate.endsWith('Series') ? { ...price, fanOut: 1 } : price;
      }

      default:
        return { calls: 0, points: 0, fanOut: 1 };
    }
  }

  /**
   * One call per 60-day window, one point per interval returned: a reading (15-minute unless it
   * is gas), or an hour, day or month of them with a `resolution`.
   */
  #intervalsPrice(args: Arguments, gas: boolean): FieldPrice {
    // Pelm's rule for a missing end: two months from the start, or up to the end, or up to now.
    const given = { from: args['from'], to: args['to'] };
    const to =
      typeof given.to === 'number'
        ? given.to
        : typeof given.from === 'number'
          ? given.from + DEFAULT_SPAN_SECONDS
          : this.#nowSeconds;
    const from = typeof given.from === 'number' ? given.from : to - DEFAULT_SPAN_SECONDS;
    if (from >= to) {
      return { calls: 0, points: 0, fanOut: 0 };
    }

    const resolution = (args['resolution'] ?? 'AS_RECORDED') as Resolution;
    const step = Math.max(
      gas ? GAS_STEP_SECONDS : ELECTRIC_STEP_SECONDS,
      SHORTEST_BUCKET_SECONDS[resolution],
    );
    const readings = Math.ceil((to - from) / step);

    return { calls: windowCount(from, to), points: readings, fanOut: readings };
  }
}

/** How many windows `splitWindow` asks Pelm for, counted without building them. */
function windowCount(from: number, to: number): number {
  return Math.max(1, Math.ceil((to - from) / MAX_WINDOW_SECONDS));
}
