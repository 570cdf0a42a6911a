import type { LRUCache } from 'lru-cache';
import type { MeterType } from '../pelm/types.js';
import { AsciiWriter, MAX_NUMBER_BYTES, putBytes, putFixed, putInteger } from './ascii-writer.js';
import type { SandboxAccount } from './accounts.js';
import { DAY, HOUR, dataSpan, eachInterval, emissionRate, recordedEmissions } from './generate.js';

/**
 * Serialises intervals for `/intervals`. The benchmark asks for a year of 15-minute data
 * (35 040 intervals) over and over, so the digits go straight into a byte buffer, and whole
 * answers are kept in a cache bounded by bytes.
 */

/** Finished `/intervals` bodies by account, type and effective window. */
export type IntervalBodyCache = LRUCache<string, Buffer>;

/** Bytes of answers an interval body cache holds: about two dozen years of 15-minute data. */
export const INTERVAL_CACHE_BYTES = 64 * 1024 * 1024;

const FIRST_START_KEY = Buffer.from('{"start":');
const NEXT_START_KEY = Buffer.from(',{"start":');
const END_KEY = Buffer.from(',"end":');
const USAGE_KEY = Buffer.from(',"usage":');
const EMISSIONS_KEY = Buffer.from(',"ghg_emissions":');
const CLOSE_BRACE = 0x7d;
const RECORD_BYTES = 64 + 4 * MAX_NUMBER_BYTES;

/**
 * Writes the `intervals` array of a `/intervals` answer. Generated emissions are usage times the
 * hour's grid rate, rounded to the gram (six decimals of kg CO2e); recorded sample values keep
 * the full precision Pelm sent.
 */
export function writeIntervals(
  writer: AsciiWriter,
  account: SandboxAccount,
  type: MeterType,
  from: number,
  to: number,
  now: number,
): void {
  const emissions = type === 'ELECTRIC' && account.utility.emissions;
  let rateHour = Number.NaN;
  let rate = 0;
  let startKey = FIRST_START_KEY;
  const span = dataSpan(account, type, now);
  const seconds = type === 'ELECTRIC' ? (account.electric?.intervalSeconds ?? HOUR) : DAY;
  const expected = (Math.min(to, span.end) - Math.max(from, span.first)) / seconds;
  // Growing the buffer by doubling copies megabytes for a year of data; size it once instead.
  writer.reserve(Math.max(0, Math.ceil(expected) + 1) * (RECORD_BYTES / 2));
  writer.text('[');
  let position = writer.length;
  eachInterval(account, type, span, from, to, (start, end, units) => {
    const buffer = writer.reserve(RECORD_BYTES);
    let at = putBytes(buffer, position, startKey);
    startKey = NEXT_START_KEY;
    at = putInteger(buffer, at, start);
    at = putBytes(buffer, at, END_KEY);
    at = putInteger(buffer, at, end);
    at = putBytes(buffer, at, USAGE_KEY);
    at = putFixed(buffer, at, units, 4);
    if (emissions) {
      at = putBytes(buffer, at, EMISSIONS_KEY);
      const recorded = recordedEmissions(account, start);
      if (recorded !== undefined) {
        writer.advance(at);
        writer.number(recorded).text('}');
        position = writer.length;

        return;
      }

      const hour = start - (start % HOUR);
      if (hour !== rateHour) {
        rateHour = hour;
        rate = emissionRate(hour);
      }

      at = putFixed(buffer, at, Math.round(units * rate * 100), 6);
    }

    buffer[at++] = CLOSE_BRACE;
    writer.advance(at);
    position = at;
  });
  writer.text(']');
}

/**
 * The whole `/intervals` body for an account, type and window, from the cache when the same
 * intervals were asked for before. The key holds everything the bytes depend on: the values are
 * a function of the account and the interval, and the clock only moves the span's edges.
 */
export function intervalsBody(
  cache: IntervalBodyCache,
  account: SandboxAccount,
  type: MeterType,
  from: number,
  to: number,
  now: number,
): Buffer {
  const span = dataSpan(account, type, now);
  const key = `${account.id}|${type}|${Math.max(from, span.first)}|${to}|${span.end}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    return cached;
  }

  const writer = new AsciiWriter(1024);
  writer.text(
    `{"utility":${JSON.stringify(account.utility.fullName)},"type":"${type}","account":${account.json},"intervals":`,
  );
  writeIntervals(writer, account, type, from, to, now);
  writer.text('}');
  let body = writer.toBuffer();
  if (body.buffer.byteLength > body.length * 1.25) {
    // Keep only the bytes written: the estimate may have reserved far more.
    const exact = Buffer.alloc(body.length);
    body.copy(exact);
    body = exact;
  }

  cache.set(key, body);

  return body;
}
