import { badUserInputError } from '../errors.js';
import type { Loaders } from '../loaders.js';
import type { IntervalsQuery } from '../pelm/source.js';
import type { EpochSeconds, MeterType, PelmInterval } from '../pelm/types.js';
import { builder } from './builder.js';
import { projectedList } from './projected-lists.js';
import { type Resolution, type SummedInterval, sumByResolution } from './resolution.js';

export const MeterTypeEnum = builder.enumType('MeterType', {
  description: 'The kind of service a meter measures.',
  values: {
    ELECTRIC: { description: 'Electricity; usage in the account’s `usageUnit` (kWh).' },
    GAS: { description: 'Natural gas; usage in the account’s `gasUsageUnit` (therms).' },
  },
});

export const ResolutionEnum = builder.enumType('IntervalResolution', {
  description:
    'How finely to return usage: as the meter recorded it, or summed by hour, day or month. ' +
    'Days and months are those of the utility’s wall clock (America/Los_Angeles), so a day ' +
    'lasts 23 or 25 hours when daylight saving time starts or ends.',
  values: {
    AS_RECORDED: {
      description:
        'Each reading as Pelm has it (15 minutes or an hour for electricity, a day for gas).',
    },
    HOUR: { description: 'Readings summed per hour.' },
    DAY: { description: 'Readings summed per local day.' },
    MONTH: { description: 'Readings summed per local calendar month.' },
  },
});

export const IntervalRef = builder.objectRef<SummedInterval>('Interval');

IntervalRef.implement({
  description:
    'Energy used during one interval (15 minutes, an hour or a day, depending on the utility ' +
    'and meter), from `start` included to `end` excluded.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'Start of the interval.' }),
    end: t.expose('end', { type: 'DateTime', description: 'End of the interval (excluded).' }),
    durationSeconds: t.int({
      description: 'Length of the interval in seconds (900 for 15 minutes).',
      resolve: (interval) => interval.end - interval.start,
    }),
    usage: t.exposeFloat('usage', {
      description:
        'Energy used: kWh for electric intervals, therms for gas (see `Account.usageUnit` ' +
        'and `Account.gasUsageUnit`).',
    }),
    ghgEmissions: t.exposeFloat('ghgEmissions', {
      nullable: true,
      description:
        'Greenhouse-gas emissions of that usage in kg CO2e; null where Pelm has none ' +
        '(emissions exist for PG&E and SCE electricity).',
    }),
    readings: t.int({
      description:
        'How many of the meter’s readings this interval sums: 1 as recorded; with a ' +
        '`resolution`, fewer than a full hour, day or month holds when readings are missing.',
      resolve: (interval) => interval.readings ?? 1,
    }),
  }),
});

/**
 * Intervals as parallel lists rather than one object each: the same data, for charts and for
 * long ranges, at a fraction of the response size and of the gateway's work per reading.
 */
export const IntervalSeriesRef = builder.objectRef<readonly SummedInterval[]>('IntervalSeries');

IntervalSeriesRef.implement({
  description:
    'Usage intervals as parallel lists: entry `i` of every list describes the same interval, ' +
    'in time order. Select only the lists you need.',
  fields: (t) => ({
    count: t.int({
      description: 'Number of intervals, the length of every list.',
      resolve: (series) => series.length,
    }),
    start: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Start of the first interval; null when there is none.',
      resolve: (series) => series[0]?.start ?? null,
    }),
    end: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'End of the last interval; null when there is none.',
      resolve: (series) => series.at(-1)?.end ?? null,
    }),
    stepSeconds: t.int({
      nullable: true,
      description:
        'When the intervals are back to back and all last the same, their length in seconds ' +
        '(900 for 15 minutes): interval `i` then starts at `start + i × stepSeconds`, and ' +
        '`start`, `stepSeconds` and `usage` describe the whole series. Null when lengths ' +
        'differ (days of 23 or 25 hours, months) or readings are missing.',
      resolve: (series) => regularStep(series),
    }),
    starts: t.field({
      type: ['DateTime'],
      extensions: projectedList,
      description: 'Start of each interval.',
      resolve: (series) => series.map((interval) => interval.start),
    }),
    ends: t.field({
      type: ['DateTime'],
      extensions: projectedList,
      description: 'End of each interval (excluded).',
      resolve: (series) => series.map((interval) => interval.end),
    }),
    usage: t.floatList({
      extensions: projectedList,
      description: 'Energy used in each interval, in the account’s unit for the meter type.',
      resolve: (series) => series.map((interval) => interval.usage),
    }),
    ghgEmissions: t.field({
      type: t.listRef('Float', { nullable: true }),
      nullable: true,
      extensions: projectedList,
      description:
        'Emissions of each interval in kg CO2e, null where Pelm has none; the whole list is ' +
        'null when no interval has emissions.',
      resolve: (series) =>
        series.some((interval) => interval.ghgEmissions !== null)
          ? series.map((interval) => interval.ghgEmissions)
          : null,
    }),
    readings: t.intList({
      extensions: projectedList,
      description: 'How many of the meter’s readings each interval sums (1 as recorded).',
      resolve: (series) => series.map((interval) => interval.readings ?? 1),
    }),
  }),
});

function regularStep(series: readonly SummedInterval[]): number | null {
  const [first] = series;
  if (first === undefined) {
    return null;
  }

  const step = first.end - first.start;
  let expectedStart = first.start;
  for (const interval of series) {
    // Equal counts too: a summed day or hour holding fewer readings than the others is one
    // whose readings are partly missing, and `stepSeconds` promises none are.
    if (
      interval.start !== expectedStart ||
      interval.end - interval.start !== step ||
      interval.readings !== first.readings
    ) {
      return null;
    }

    expectedStart = interval.end;
  }

  return step;
}

/** Arguments shared by every field that reads intervals. */
export const intervalRangeArgs = builder.args((t) => ({
  from: t.field({ type: 'DateTime', required: false, description: 'First instant included.' }),
  to: t.field({ type: 'DateTime', required: false, description: 'First instant excluded.' }),
  resolution: t.field({
    type: ResolutionEnum,
    required: false,
    description: 'Readings as recorded (the default), or summed by hour, day or month.',
  }),
}));

/** `loadIntervals`, then summed to the asked resolution. */
export async function loadSummedIntervals(
  loaders: Loaders,
  accountId: string | null,
  args: IntervalsArgs & { resolution?: Resolution | null | undefined },
): Promise<readonly SummedInterval[]> {
  return sumByResolution(
    await loadIntervals(loaders, accountId, args),
    args.resolution ?? 'AS_RECORDED',
  );
}

/**
 * Longest window asked of Pelm in one call. Pelm's own default window is two months and its
 * maximum is undocumented, so longer ranges are split into windows of at most 60 days.
 */
export const MAX_WINDOW_SECONDS = 60 * 86_400;

export interface IntervalsArgs {
  type?: MeterType | null | undefined;
  meterId?: string | number | null | undefined;
  from?: EpochSeconds | null | undefined;
  to?: EpochSeconds | null | undefined;
}

/** Validates the arguments, splits long ranges, loads every window and merges them in order. */
export async function loadIntervals(
  loaders: Loaders,
  accountId: string | null,
  args: IntervalsArgs,
): Promise<PelmInterval[]> {
  const from = args.from ?? undefined;
  const to = args.to ?? undefined;
  if (from !== undefined && to !== undefined && from >= to) {
    throw badUserInputError('from', '`from` must be before `to`.');
  }

  // Pelm's windows are epoch seconds from 1970 on; no meter read before that.
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (value !== undefined && value < 0) {
      throw badUserInputError(name, `\`${name}\` must be 1970-01-01T00:00:00Z or later.`);
    }
  }

  const selector = intervalsSelector(accountId, args);
  const windows = splitWindow(from, to);
  if (windows.length === 1) {
    const [window] = windows as [Window];

    return (await loaders.intervals({ ...selector, ...window })).intervals;
  }

  const parts = await Promise.all(
    windows.map(async (window) => (await loaders.intervals({ ...selector, ...window })).intervals),
  );

  return mergeByStart(parts);
}

function intervalsSelector(
  accountId: string | null,
  args: IntervalsArgs,
): Pick<IntervalsQuery, 'accountId' | 'type' | 'meterId'> & IntervalsQuery {
  const hasType = args.type !== null && args.type !== undefined;
  const hasMeter = args.meterId !== null && args.meterId !== undefined;
  if (hasMeter && !hasType) {
    return { meterId: String(args.meterId) };
  }

  if (hasType && !hasMeter && accountId !== null) {
    return { accountId, type: args.type as MeterType };
  }

  if (accountId === null) {
    throw badUserInputError('type', 'Meter intervals are selected by the meter itself.');
  }

  throw badUserInputError('type', 'Give exactly one of `type` or `meterId`.');
}

interface Window {
  startDate?: EpochSeconds | undefined;
  endDate?: EpochSeconds | undefined;
}

/** Consecutive windows of at most `MAX_WINDOW_SECONDS` covering `[from, to)`. */
export function splitWindow(
  from: EpochSeconds | undefined,
  to: EpochSeconds | undefined,
): Window[] {
  if (from === undefined || to === undefined || to - from <= MAX_WINDOW_SECONDS) {
    return [{ startDate: from, endDate: to }];
  }

  const windows: Window[] = [];
  for (let start = from; start < to; start += MAX_WINDOW_SECONDS) {
    windows.push({ startDate: start, endDate: Math.min(start + MAX_WINDOW_SECONDS, to) });
  }

  return windows;
}

/**
 * Concatenates windows in time order, dropping a reading that two windows both returned. Windows
 * that follow each other cleanly (the usual case) are joined in one copy.
 */
function mergeByStart(parts: PelmInterval[][]): PelmInterval[] {
  let last = Number.NEGATIVE_INFINITY;
  let ordered = true;
  for (const part of parts) {
    const first = part[0];
    if (first !== undefined && first.start <= last) {
      ordered = false;
      break;
    }

    last = part.at(-1)?.start ?? last;
  }

  if (ordered) {
    // `concat` copies packed arrays in bulk; `flat` walks them item by item, 15 times slower.
    return ([] as PelmInterval[]).concat(...parts);
  }

  const merged: PelmInterval[] = [];
  last = Number.NEGATIVE_INFINITY;
  for (const part of parts) {
    for (const interval of part) {
      if (interval.start > last) {
        merged.push(interval);
        last = interval.start;
      }
    }
  }

  return merged;
}
