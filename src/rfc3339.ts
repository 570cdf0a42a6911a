/** RFC 3339 date-time: a date, a time, optional fraction and a mandatory zone. */
const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time in epoch seconds, or `undefined` when `text` is not one: a zone is required,
 * and the date must exist (`Date.parse` alone reads 2024-02-30 as March 1). A fraction is
 * rounded up to the next second: Pelm windows are whole seconds with
 * `start_date <= start < end_date`, and rounding up keeps exactly the readings the instant would.
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC_3339.exec(text);
  const ms = match === null ? Number.NaN : Date.parse(text.replace(' ', 'T'));
  if (match === null || Number.isNaN(ms) || !sameCalendarDate(match, ms)) {
    return undefined;
  }

  return Math.ceil(ms / 1000);
}

/** A real calendar date and time survive the round trip through `Date`. */
function sameCalendarDate(match: RegExpExecArray, ms: number): boolean {
  const [, year, month, day, hour, minute, second, , zone] = match;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    return false;
  }

  const offsetMinutes =
    zone === undefined || zone.toUpperCase() === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const local = new Date(ms + offsetMinutes * 60_000);

  return (
    local.getUTCFullYear() === Number(year) &&
    local.getUTCMonth() + 1 === Number(month) &&
    local.getUTCDate() === Number(day)
  );
}

/** Last second of year 9999: the calendar the sandbox and the DateTime text handle. */
const LAST_INSTANT_SECONDS = 253_402_300_799;

/**
 * A clock setting such as `SANDBOX_NOW`: whole epoch seconds or an RFC 3339 time, from 1970 to
 * the end of year 9999; `undefined` for anything else.
 */
export function parseInstant(text: string): number | undefined {
  const seconds = /^\d+$/.test(text) ? Number(text) : parseRfc3339(text);

  return seconds !== undefined && seconds >= 0 && seconds <= LAST_INSTANT_SECONDS
    ? seconds
    : undefined;
}
