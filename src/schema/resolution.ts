import type { PelmInterval } from '../pelm/types.js';
import { addLocalDays, addLocalMonths, startOfLocalDay, startOfLocalMonth } from '../time.js';

/**
 * Summing readings into hours, days or months, in the gateway: Pelm only answers readings as its
 * meters recorded them, and a chart of a year needs 365 days, not 35,040 quarter hours. Days and
 * months are those of the utility's wall clock (America/Los_Angeles), so a day may last 23 or 25
 * hours; hours are UTC hours, which are also Pacific hours.
 */
export type Resolution = 'AS_RECORDED' | 'HOUR' | 'DAY' | 'MONTH';

/**
 * A reading as Pelm recorded it, or the sum of the readings whose start falls in one hour, day or
 * month. Readings as recorded are Pelm's own objects, not copies: a year is 35,040 of them.
 */
export interface SummedInterval extends PelmInterval {
  /** How many of Pelm's readings the interval sums; absent means one. */
  readings?: number;
}

/**
 * Shortest length of one bucket in seconds, for pricing queries before they run: a DST day has
 * 23 hours and February 28 days, so these bound the number of buckets from above.
 */
export const SHORTEST_BUCKET_SECONDS: Record<Resolution, number> = {
  AS_RECORDED: 0,
  HOUR: 3_600,
  DAY: 23 * 3_600,
  MONTH: 28 * 86_400,
};

interface Bucket {
  start: number;
  end: number;
}

const bucketOf: Record<Exclude<Resolution, 'AS_RECORDED'>, (at: number) => Bucket> = {
  HOUR: (at) => {
    const start = at - (((at % 3_600) + 3_600) % 3_600);

    return { start, end: start + 3_600 };
  },
  DAY: (at) => {
    const start = startOfLocalDay(at);

    return { start, end: addLocalDays(start, 1) };
  },
  MONTH: (at) => {
    const start = startOfLocalMonth(at);

    return { start, end: addLocalMonths(start, 1) };
  },
};

/**
 * Sums time-ordered readings into buckets of `resolution`. A bucket spans its whole hour, day or
 * month even when readings are missing inside it (`readings` tells how many it holds). A reading
 * longer than its bucket (a daily gas reading asked for by the hour) cannot be split and is kept
 * as recorded. Emissions sum the readings that have them, and are null when none has.
 */
export function sumByResolution(
  intervals: readonly PelmInterval[],
  resolution: Resolution,
): readonly SummedInterval[] {
  if (resolution === 'AS_RECORDED') {
    return intervals as SummedInterval[];
  }

  const bucketFor = bucketOf[resolution];
  const summed: SummedInterval[] = [];
  // The readings `first` to `index - 1` belong to `bucket`.
  let bucket: Bucket | undefined;
  let first = 0;
  const flush = (index: number) => {
    if (bucket !== undefined && index > first) {
      summed.push(sumBucket(bucket, intervals, first, index));
    }

    first = index;
  };

  for (let index = 0; index < intervals.length; index++) {
    const interval = intervals[index] as PelmInterval;
    if (bucket === undefined || interval.start < bucket.start || interval.start >= bucket.end) {
      flush(index);
      bucket = bucketFor(interval.start);
    }

    if (interval.end > bucket.end) {
      flush(index);
      summed.push(interval);
      bucket = undefined;
      first = index + 1;
    }
  }

  flush(intervals.length);

  return summed;
}

/** The sum of readings `first` to `end - 1`, which all fall in `bucket`. */
function sumBucket(
  bucket: Bucket,
  intervals: readonly PelmInterval[],
  first: number,
  end: number,
): SummedInterval {
  return {
    start: bucket.start,
    end: bucket.end,
    usage: sumField(intervals, first, end, 'usage') ?? 0,
    ghgEmissions: sumField(intervals, first, end, 'ghgEmissions'),
    readings: end - first,
  };
}

/** Adds `field` of readings `first` to `end - 1`, skipping nulls; null when all are null. */
function sumField(
  intervals: readonly PelmInterval[],
  first: number,
  end: number,
  field: 'usage' | 'ghgEmissions',
): number | null {
  const values: number[] = [];
  for (let index = first; index < end; index++) {
    const value = (intervals[index] as PelmInterval)[field];
    if (value !== null) {
      values.push(value);
    }
  }

  return values.length === 0 ? null : sumExactly(values);
}

/** Readings with at most this many decimals are added exactly, as integers of that unit. */
const EXACT_SCALE = 1_000_000;

/**
 * Adds numbers without the drift of repeated floating-point addition. Meter readings carry a
 * few decimals (`4.8628` kWh): when every value has at most six, they are added as whole
 * millionths, so 96 readings sum to the decimal a person would get by hand (never
 * `12.345600000000001`). Values with more digits (Pelm's emissions carry all 17) are added with
 * Neumaier's compensated summation, whose error does not grow with the count.
 */
export function sumExactly(values: readonly number[]): number {
  let units = 0;
  for (const value of values) {
    const scaled = value * EXACT_SCALE;
    const whole = Math.round(scaled);
    // `4.8628 * 1e6` is 4862800.000000001: whole up to the last bits of the product.
    if (Math.abs(scaled - whole) > Math.abs(scaled) * Number.EPSILON * 4) {
      return compensatedSum(values);
    }

    units += whole;
  }

  return Number.isSafeInteger(units) ? units / EXACT_SCALE : compensatedSum(values);
}

function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let compensation = 0;
  for (const value of values) {
    const next = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - next + value : value - next + sum;
    sum = next;
  }

  return sum + compensation;
}
