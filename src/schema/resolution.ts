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
  let bucket: Bucket | undefined;
  let members: PelmInterval[] = [];
  const flush = () => {
    if (bucket !== undefined && members.length > 0) {
      summed.push(sumBucket(bucket, members));
    }

    members = [];
  };

  for (const interval of intervals) {
    if (bucket === undefined || interval.start < bucket.start || interval.start >= bucket.end) {
      flush();
      bucket = bucketFor(interval.start);
    }

    if (interval.end > bucket.end) {
      flush();
      summed.push(interval);
      bucket = undefined;
      continue;
    }

    members.push(interval);
  }

  flush();

  return summed;
}

function sumBucket(bucket: Bucket, members: readonly PelmInterval[]): SummedInterval {
  const usage = members.map((member) => member.usage);
  const emissions: number[] = [];
  for (const member of members) {
    if (member.ghgEmissions !== null) {
      emissions.push(member.ghgEmissions);
    }
  }

  return {
    start: bucket.start,
    end: bucket.end,
    usage: sumExactly(usage),
    ghgEmissions: emissions.length === 0 ? null : sumExactly(emissions),
    readings: members.length,
  };
}

/** Most decimal places a value may have for `sumExactly` to add it as an integer. */
const MAX_EXACT_DECIMALS = 6;

/**
 * Adds numbers without the drift of repeated floating-point addition. Meter readings carry a
 * few decimals (`4.8628` kWh): when every value has at most six, they are added as integers of
 * that many decimals, so 96 readings sum to the decimal a person would get by hand (never
 * `12.345600000000001`). Values with more digits (Pelm's emissions carry all 17) are added with
 * Neumaier's compensated summation, whose error does not grow with the count.
 */
export function sumExactly(values: readonly number[]): number {
  let decimals = 0;
  for (const value of values) {
    const places = decimalPlaces(value);
    if (places === undefined) {
      return compensatedSum(values);
    }

    decimals = Math.max(decimals, places);
  }

  const scale = 10 ** decimals;
  let units = 0;
  for (const value of values) {
    units += Math.round(value * scale);
  }

  return Number.isSafeInteger(units) ? units / scale : compensatedSum(values);
}

/** The fewest decimals (up to six) that write `value`, or `undefined` when it needs more. */
function decimalPlaces(value: number): number | undefined {
  let scale = 1;
  for (let places = 0; places <= MAX_EXACT_DECIMALS; places++, scale *= 10) {
    const scaled = value * scale;
    // `4.8628 * 10_000` is 48627.99999999999: a whole number up to the last bits of the product.
    if (Math.abs(scaled - Math.round(scaled)) <= Math.abs(scaled) * Number.EPSILON * 4) {
      return places;
    }
  }

  return undefined;
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
