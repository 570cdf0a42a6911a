import { badUserInputError } from '../errors.js';
import type { Loaders } from '../loaders.js';
import type { IntervalsQuery } from '../pelm/source.js';
import type { EpochSeconds, MeterType, PelmInterval } from '../pelm/types.js';
import { builder } from './builder.js';

export const MeterTypeEnum = builder.enumType('MeterType', {
  description: 'The kind of service a meter measures.',
  values: {
    ELECTRIC: { description: 'Electricity; usage in the account’s `usageUnit` (kWh).' },
    GAS: { description: 'Natural gas; usage in the account’s `gasUsageUnit` (therms).' },
  },
});

export const IntervalRef = builder.objectRef<PelmInterval>('Interval');

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
  }),
});

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

/** Concatenates windows in time order, dropping a reading that two windows both returned. */
function mergeByStart(parts: PelmInterval[][]): PelmInterval[] {
  const merged: PelmInterval[] = [];
  let last = Number.NEGATIVE_INFINITY;
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
