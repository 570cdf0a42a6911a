import type { MeterType } from '../pelm/types.js';
import {
  MAX_NUMBER_BYTES,
  putBytes,
  putFixed,
  putInteger,
  type AsciiWriter,
} from './ascii-writer.js';
import type { SandboxAccount } from './accounts.js';
import { DAY, HOUR, dataSpan, eachInterval, emissionRate, recordedEmissions } from './generate.js';

/**
 * Serialises intervals for `/intervals`. The benchmark asks for a year of 15-minute data
 * (35 040 intervals) over and over, so the digits go straight into a byte buffer.
 */

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
