import { Big } from 'big.js';
import { Kind, type ValueNode } from 'graphql';

import { invalidScalarError } from '../errors.js';
import { parseRfc3339 } from '../rfc3339.js';
import type { EpochSeconds } from '../pelm/types.js';
import { builder } from './builder.js';

/**
 * Reads an RFC 3339 time into epoch seconds, fractions rounded up (see `parseRfc3339`).
 */
export function parseDateTime(value: unknown, node?: ValueNode): EpochSeconds {
  if (typeof value !== 'string') {
    throw invalidScalarError('DateTime must be a string such as 2024-06-01T00:00:00Z.', node);
  }

  const seconds = parseRfc3339(value);
  if (seconds === undefined) {
    throw invalidScalarError(
      `"${value.slice(0, 64)}" is not a valid DateTime; use RFC 3339 with a zone, ` +
        'e.g. 2024-06-01T00:00:00Z.',
      node,
    );
  }

  return seconds;
}

const SECONDS_PER_DAY = 86_400;
/** Years 0000 to 9999: `toISOString` writes six-digit years outside them. */
const LAST_FOUR_DIGIT_SECOND = 253_402_300_799;
const TWO_DIGITS = Array.from({ length: 60 }, (_, value) => String(value).padStart(2, '0'));

/**
 * The day part (`2024-06-01T`) of the last day formatted. A year of 15-minute intervals is
 * 35,040 instants over 365 days, so the date is worked out once per day instead of once per
 * instant.
 */
let lastDay = Number.NaN;

/**
 * Texts of instants formatted lately, shared by every request: all users' 15-minute readings
 * start on the same quarter hours, so a year of them is 35,040 strings that need not be built
 * (and collected) again for each answer; before this, those strings were most of the garbage of
 * a year-long answer and its largest CPU cost after the JSON itself. An instant's text is the
 * same for everyone, so sharing it shares no user's data. Bounded: cleared when full, which
 * keeps it to about 5 MB (a flattened entry is about 80 bytes).
 */
const RECENT_TEXTS_MAX = 65_536;
const recentTexts = new Map<number, string>();
let lastDayText = '';

/** Epoch seconds to `2038-01-19T03:14:08Z` (no milliseconds: Pelm times are whole seconds). */
export function formatDateTime(seconds: EpochSeconds): string {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > LAST_FOUR_DIGIT_SECOND) {
    return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  }

  const known = recentTexts.get(seconds);
  if (known !== undefined) {
    return known;
  }

  const day = Math.floor(seconds / SECONDS_PER_DAY);
  if (day !== lastDay) {
    lastDay = day;
    lastDayText = dayText(day);
  }

  const inDay = seconds - day * SECONDS_PER_DAY;
  const hours = Math.floor(inDay / 3600);
  const minutes = Math.floor((inDay % 3600) / 60);

  const clock = `${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[inDay % 60]}`;
  const text = `${lastDayText}${clock}Z`;
  if (recentTexts.size >= RECENT_TEXTS_MAX) {
    recentTexts.clear();
  }

  // Reading a character flattens the template's rope into one string, in place: kept as a rope
  // an entry costs about 280 bytes instead of 80.
  text.charCodeAt(0);
  recentTexts.set(seconds, text);

  return text;
}

/**
 * `2024-06-01T` for a day counted from 1970-01-01, by integer arithmetic on the proleptic
 * Gregorian calendar (eras of 400 years, years starting in March so the leap day comes last).
 * Bills' dates fall on a different day each, where building a `Date` and its ISO text cost
 * about a microsecond apiece.
 */
function dayText(daysSinceEpoch: number): string {
  const days = daysSinceEpoch + 719_468;
  const era = Math.floor(days / 146_097);
  const dayOfEra = days - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1_460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);

  return `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[dayOfMonth]}T`;
}

export const DateTimeScalar = builder.scalarType('DateTime', {
  description:
    'An instant as an RFC 3339 string in UTC, e.g. `2024-06-01T00:00:00Z`. Inputs need a zone ' +
    '(`Z` or an offset); fractions of a second are rounded up to the next whole second.',
  serialize: (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError('DateTime can only serialise epoch seconds.');
    }

    return formatDateTime(value);
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) {
      throw invalidScalarError('DateTime must be a string such as 2024-06-01T00:00:00Z.', node);
    }

    return parseDateTime(node.value, node);
  },
});

/**
 * A JSON number from Pelm written out as an exact decimal string: `1234567.89` stays
 * `"1234567.89"`, never `1234567.8899999999`. Pelm's JSON numbers are read as IEEE doubles, whose
 * shortest representation is the literal Pelm sent for any value of up to 15 significant digits.
 */
export function toDecimalString(value: number | string): string {
  return new Big(value).toFixed();
}

export const DecimalScalar = builder.scalarType('Decimal', {
  description:
    'An exact decimal number written as a string, e.g. `"1234567.89"`. Add amounts with a ' +
    'decimal library, not floating point.',
  serialize: (value) => toDecimalString(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) {
      throw invalidScalarError('Decimal must be a string such as "12.34".');
    }

    return value;
  },
});
