import type { GatewayContext } from '../context.js';
import { badUserInputError, unauthenticatedError } from '../errors.js';
import type { Loaders } from '../loaders.js';
import type { MeterType, PelmAccount, PelmMeter } from '../pelm/types.js';
import { BillRef, selectBills } from './bill.js';
import { projectedList } from './projected-lists.js';
import { builder } from './builder.js';
import {
  intervalRangeArgs,
  IntervalRef,
  IntervalSeriesRef,
  loadSummedIntervals,
  MeterTypeEnum,
} from './interval.js';
import { EmissionsUnitEnum, EnergyUnitEnum, emissionsUnit, energyUnit } from './units.js';

export const AccountRef = builder.objectRef<PelmAccount>('Account');

const MeterRef = builder.objectRef<PelmMeter>('Meter');

MeterRef.implement({
  description:
    'One meter of an account (Pelm lists meters for accounts connected since late 2022).',
  fields: (t) => ({
    id: t.exposeID('id', { description: "Pelm's meter id, unchanged." }),
    intervals: t.field({
      type: [IntervalRef],
      nullable: true,
      extensions: projectedList,
      description:
        'Usage intervals of this meter with `start` in `[from, to)`. Without dates Pelm answers ' +
        'its default window (the last two months).',
      args: intervalRangeArgs,
      resolve: (meter, args, context) =>
        loadSummedIntervals(loadersOf(context), null, { ...args, meterId: meter.id }),
    }),
    intervalSeries: t.field({
      type: IntervalSeriesRef,
      nullable: true,
      description:
        'The same intervals as `intervals`, as parallel lists: lighter for charts and long ranges.',
      args: intervalRangeArgs,
      resolve: (meter, args, context) =>
        loadSummedIntervals(loadersOf(context), null, { ...args, meterId: meter.id }),
    }),
  }),
});

const accountIntervalArgs = builder.args((t) => ({
  type: t.field({ type: MeterTypeEnum, required: false, description: 'Which service.' }),
  meterId: t.id({ required: false, description: 'One meter instead of a type.' }),
  ...intervalRangeArgs,
}));

AccountRef.implement({
  description: 'One utility account of the user, usually one property.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "Pelm's account id, unchanged (a UUID)." }),
    accountNumber: t.exposeString('accountNumber', {
      description: 'The account number printed on the utility bill.',
    }),
    address: t.exposeString('address', {
      description: 'Service address, one upper-case line as the utility writes it.',
    }),
    availableMeterTypes: t.field({
      type: [MeterTypeEnum],
      description: 'The services this account has intervals for.',
      resolve: (account) => account.availableMeterTypes,
    }),
    usageUnit: t.field({
      type: EnergyUnitEnum,
      nullable: true,
      description: 'Unit of electric usage (intervals of type ELECTRIC).',
      resolve: (account) => energyUnit(account.usageUnit),
    }),
    gasUsageUnit: t.field({
      type: EnergyUnitEnum,
      nullable: true,
      description: 'Unit of gas usage (intervals of type GAS); null without gas service.',
      resolve: (account) => energyUnit(account.gasUsageUnit),
    }),
    ghgEmissionsUnit: t.field({
      type: EmissionsUnitEnum,
      nullable: true,
      description: 'Unit of `Interval.ghgEmissions`; null where Pelm has no emissions.',
      resolve: (account) => emissionsUnit(account.ghgEmissionsUnit),
    }),
    meters: t.field({
      type: [MeterRef],
      description: 'The meters of this account; empty when Pelm lists none.',
      resolve: (account) => account.meters,
    }),
    bills: t.field({
      type: [BillRef],
      nullable: true,
      description:
        'Bills of this account, newest first. With `from`/`to`, only bills whose service ' +
        'period overlaps `[from, to)`.',
      args: {
        from: t.arg({ type: 'DateTime', required: false, description: 'Start of the range.' }),
        to: t.arg({
          type: 'DateTime',
          required: false,
          description: 'End of the range (excluded).',
        }),
        limit: t.arg.int({
          required: false,
          description: 'At most this many bills (the newest); zero or more.',
        }),
      },
      resolve: async (account, args, context) => {
        if (args.limit !== null && args.limit !== undefined && args.limit < 0) {
          throw badUserInputError('limit', '`limit` must be zero or more.');
        }

        if (args.from != null && args.to != null && args.from >= args.to) {
          throw badUserInputError('from', '`from` must be before `to`.');
        }

        return selectBills(
          await loadersOf(context).bills(account.id),
          args.from ?? undefined,
          args.to ?? undefined,
          args.limit ?? undefined,
        );
      },
    }),
    intervals: t.field({
      type: [IntervalRef],
      nullable: true,
      extensions: projectedList,
      description:
        'Usage intervals with `start` in `[from, to)`, for one meter type (or one meter). ' +
        'Without dates Pelm answers its default window (the last two months). Long ranges ' +
        'are fetched in windows of 60 days and merged.',
      args: accountIntervalArgs,
      resolve: (account, args, context) =>
        loadSummedIntervals(loadersOf(context), account.id, ownMeter(account, args)),
    }),
    intervalSeries: t.field({
      type: IntervalSeriesRef,
      nullable: true,
      description:
        'The same intervals as `intervals`, as parallel lists: lighter for charts and long ranges.',
      args: accountIntervalArgs,
      resolve: (account, args, context) =>
        loadSummedIntervals(loadersOf(context), account.id, ownMeter(account, args)),
    }),
  }),
});

/**
 * An account's intervals must be of a type it has, and when read by `meterId`, of one of its own
 * meters: Pelm answers any meter of the token's user, which would show another account's usage
 * under this one.
 */
function ownMeter<
  TArgs extends {
    meterId?: string | number | null | undefined;
    type?: MeterType | null | undefined;
  },
>(account: PelmAccount, args: TArgs): TArgs {
  // Pelm answers a type the account lacks with a bare `parameter_invalid`; this says which.
  if (
    args.type !== null &&
    args.type !== undefined &&
    !account.availableMeterTypes.includes(args.type)
  ) {
    throw badUserInputError('type', `Account ${account.id} has no ${args.type} intervals.`);
  }

  if (args.meterId === null || args.meterId === undefined) {
    return args;
  }

  const meterId = String(args.meterId);
  if (!account.meters.some((meter) => meter.id === meterId)) {
    throw badUserInputError('meterId', `Account ${account.id} has no meter ${meterId}.`);
  }

  return args;
}

/** Loaders exist whenever a user was resolved; this guards the impossible case loudly. */
function loadersOf(context: GatewayContext): Loaders {
  if (context.loaders === null) {
    throw unauthenticatedError(context.tokenProblem ?? 'A Pelm access token is required.');
  }

  return context.loaders;
}
