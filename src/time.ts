/**
 * Wall-clock arithmetic in a named IANA time zone, on epoch seconds. Pelm's utilities are all in
 * California, so days and billing months start at local midnight in America/Los_Angeles: a local
 * day lasts 23 hours on the spring-forward Sunday and 25 hours on the fall-back Sunday, and a
 * day-sized step of 86 400 s drifts by an hour across either.
 *
 * Offsets come from `Intl` once per zone and calendar year, then from an in-memory table, so the
 * helpers are cheap enough to call once per interval when generating or bucketing a year of data.
 */

/** The zone of every utility Pelm serves (PG&E, SCE, SoCalGas). */
export const PACIFIC_TIME_ZONE = 'America/Los_Angeles';

/** Epoch seconds. */
type Seconds = number;

const SECONDS_PER_DAY = 86_400;

/** A wall-clock date and time in some zone; `month` is 1–12, `weekday` is 0 (Sunday) to 6. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** The fields needed to name a wall-clock instant; missing time fields mean 0. */
export interface LocalDateTimeInput {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

/** A stretch of time over which the zone's UTC offset does not change. */
interface OffsetSegment {
  from: Seconds;
  to: Seconds;
  offset: Seconds;
}

interface ZoneTable {
  formatter: Intl.DateTimeFormat;
  years: Map<number, OffsetSegment[]>;
  last: OffsetSegment | undefined;
}

const zoneTables = new Map<string, ZoneTable>();
let lastTable: ZoneTable | undefined;
let lastZone = '';

function zoneTable(timeZone: string): ZoneTable {
  // Callers ask for one zone many times in a row; skip the map lookup then.
  if (timeZone === lastZone && lastTable !== undefined) {
    return lastTable;
  }

  let table = zoneTables.get(timeZone);
  if (table === undefined) {
    // Throws a RangeError for an unknown zone, which is the message a caller needs.
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    table = { formatter, years: new Map(), last: undefined };
    zoneTables.set(timeZone, table);
  }

  lastTable = table;
  lastZone = timeZone;

  return table;
}

/** Asks `Intl` for the offset at one instant; slow, so only the year tables call it. */
function offsetFromIntl(formatter: Intl.DateTimeFormat, at: Seconds): Seconds {
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(at * 1000)) {
    if (part.type !== 'literal') {
      fields[part.type] = Number(part.value);
    }
  }

  const wall = Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );

  return wall / 1000 - at;
}

/** First second in `(low, high]` whose offset differs from `offset`, the offset at `low`. */
function bisectChange(
  formatter: Intl.DateTimeFormat,
  low: Seconds,
  high: Seconds,
  offset: Seconds,
): Seconds {
  let unchanged = low;
  let changed = high;
  while (changed - unchanged > 1) {
    const middle = Math.floor((unchanged + changed) / 2);
    if (offsetFromIntl(formatter, middle) === offset) {
      unchanged = middle;
    } else {
      changed = middle;
    }
  }

  return changed;
}

/**
 * Builds the offset segments of one UTC calendar year by probing once a day and bisecting each
 * change down to the second. Zones change offset at most a few times a year and never twice in
 * a day, so a daily probe cannot miss a transition.
 */
function buildYear(formatter: Intl.DateTimeFormat, year: number): OffsetSegment[] {
  const yearStart = Date.UTC(year, 0, 1) / 1000;
  const yearEnd = Date.UTC(year + 1, 0, 1) / 1000;
  const segments: OffsetSegment[] = [];
  let from = yearStart;
  let offset = offsetFromIntl(formatter, yearStart);
  let previous = yearStart;
  while (previous < yearEnd - 1) {
    const at = Math.min(previous + SECONDS_PER_DAY, yearEnd - 1);
    const next = offsetFromIntl(formatter, at);
    if (next !== offset) {
      const change = bisectChange(formatter, previous, at, offset);
      segments.push({ from, to: change, offset });
      from = change;
      offset = next;
    }

    previous = at;
  }

  segments.push({ from, to: yearEnd, offset });

  return segments;
}

function findSegment(table: ZoneTable, at: Seconds): OffsetSegment {
  let year = Math.floor(1970 + at / 31_556_952);
  for (;;) {
    let segments = table.years.get(year);
    if (segments === undefined) {
      segments = buildYear(table.formatter, year);
      table.years.set(year, segments);
    }

    const first = segments[0];
    const last = segments[segments.length - 1];
    if (first !== undefined && at < first.from) {
      year -= 1;
      continue;
    }

    if (last !== undefined && at >= last.to) {
      year += 1;
      continue;
    }

    const found = segments.find((segment) => at >= segment.from && at < segment.to);
    if (found === undefined) {
      throw new Error(`No UTC offset segment covers ${at}; the zone table is inconsistent.`);
    }

    return found;
  }
}

/**
 * Local time minus UTC, in seconds, at the instant `at` (for Los Angeles: -28 800 in winter,
 * -25 200 in summer).
 */
export function utcOffsetSeconds(at: Seconds, timeZone: string = PACIFIC_TIME_ZONE): Seconds {
  const table = zoneTable(timeZone);
  const instant = Math.floor(at);
  const last = table.last;
  if (last !== undefined && instant >= last.from && instant < last.to) {
    return last.offset;
  }

  const segment = findSegment(table, instant);
  table.last = segment;

  return segment.offset;
}

/** The wall-clock fields of instant `at` in the zone. */
export function toLocalDateTime(at: Seconds, timeZone: string = PACIFIC_TIME_ZONE): LocalDateTime {
  const local = new Date((Math.floor(at) + utcOffsetSeconds(at, timeZone)) * 1000);

  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
}

/**
 * The instant a wall clock in the zone shows `local`. Out-of-range fields roll over as with
 * `Date.UTC` (day 32 is the 1st of the next month). A time skipped by a spring-forward gap maps
 * to the instant one gap later (02:30 becomes 03:30), and a time repeated by a fall-back overlap
 * maps to its first occurrence, the same choices as Temporal's `compatible` disambiguation.
 */
export function fromLocalDateTime(
  local: LocalDateTimeInput,
  timeZone: string = PACIFIC_TIME_ZONE,
): Seconds {
  const wall =
    Date.UTC(
      local.year,
      local.month - 1,
      local.day,
      local.hour ?? 0,
      local.minute ?? 0,
      local.second ?? 0,
    ) / 1000;
  const offsetBefore = utcOffsetSeconds(wall - SECONDS_PER_DAY, timeZone);
  const offsetAfter = utcOffsetSeconds(wall + SECONDS_PER_DAY, timeZone);
  const before = wall - offsetBefore;
  const after = wall - offsetAfter;
  const beforeFits = utcOffsetSeconds(before, timeZone) === offsetBefore;
  const afterFits = utcOffsetSeconds(after, timeZone) === offsetAfter;
  if (beforeFits && afterFits) {
    return Math.min(before, after);
  }

  if (afterFits) {
    return after;
  }

  // Either only the earlier offset fits, or neither does (a gap): both cases want `before`.
  return before;
}

/** Local midnight at the start of the zone's day that contains `at`. */
export function startOfLocalDay(at: Seconds, timeZone: string = PACIFIC_TIME_ZONE): Seconds {
  const { year, month, day } = toLocalDateTime(at, timeZone);

  return fromLocalDateTime({ year, month, day }, timeZone);
}

/** Local midnight on the first day of the zone's month that contains `at`. */
export function startOfLocalMonth(at: Seconds, timeZone: string = PACIFIC_TIME_ZONE): Seconds {
  const { year, month } = toLocalDateTime(at, timeZone);

  return fromLocalDateTime({ year, month, day: 1 }, timeZone);
}

/** Same wall-clock time `days` calendar days later (negative: earlier), whatever the DST. */
export function addLocalDays(
  at: Seconds,
  days: number,
  timeZone: string = PACIFIC_TIME_ZONE,
): Seconds {
  const local = toLocalDateTime(at, timeZone);

  return fromLocalDateTime({ ...local, day: local.day + days }, timeZone);
}

/** Number of days in a month of the proleptic Gregorian calendar (`month` 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Same wall-clock time `months` calendar months later (negative: earlier). The day is clamped to
 * the target month's length, so Jan 31 plus one month is Feb 28 (or 29), never Mar 3.
 */
export function addLocalMonths(
  at: Seconds,
  months: number,
  timeZone: string = PACIFIC_TIME_ZONE,
): Seconds {
  const local = toLocalDateTime(at, timeZone);
  const monthIndex = local.year * 12 + (local.month - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(local.day, daysInMonth(year, month));

  return fromLocalDateTime({ ...local, year, month, day }, timeZone);
}

/** Length in seconds of the zone's day containing `at`: 86 400, or 82 800 / 90 000 on DST days. */
export function localDayLengthSeconds(at: Seconds, timeZone: string = PACIFIC_TIME_ZONE): Seconds {
  const start = startOfLocalDay(at, timeZone);

  return addLocalDays(start, 1, timeZone) - start;
}
