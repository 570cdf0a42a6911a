import type { MeterType } from '../pelm/types.js';
import {
  addLocalDays,
  addLocalMonths,
  startOfLocalDay,
  startOfLocalMonth,
  utcOffsetSeconds,
} from '../time.js';
import type { SandboxAccount, UsageProfile } from './accounts.js';
import { unitHash } from './hash.js';

/**
 * Interval values of the sandbox. Usage is a pure function of the account's profile and the
 * interval start, computed in integer ten-thousandths of a kWh or therm (the four decimals Pelm
 * sends), so a bill can sum its intervals exactly and any window always shows the same values.
 */

export const DAY = 86_400;
export const HOUR = 3600;
const MEAN_YEAR = 31_556_952;
/** Around the hottest week of a California year; the seasonal curves peak here. */
const MIDSUMMER = Date.UTC(2020, 6, 20) / 1000;
const USAGE_SCALE = 10_000;

const NOISE_SALT = 0x1b873593;
const SPIKE_SALT = 0x27d4eb2f;
const GAS_SALT = 0x165667b1;
const WEATHER_SEED = 0x5eed_0001;
const GRID_SEED = 0x5eed_0002;

/**
 * Months of history kept before the current local month. Twenty-eight covers the 26 monthly
 * bills (the oldest can start 27 months back) with a month to spare.
 */
export const HISTORY_MONTHS = 28;

/** Cosine of the season: 1 at midsummer, -1 at midwinter. */
function season(at: number): number {
  return Math.cos((2 * Math.PI * (at - MIDSUMMER)) / MEAN_YEAR);
}

let seasonDay = Number.NaN;
let seasonOfDay = 0;

/** `season` at the middle of a day number; consecutive intervals share a day, so keep the last. */
function daySeason(day: number): number {
  if (day !== seasonDay) {
    seasonDay = day;
    seasonOfDay = season(day * DAY + DAY / 2);
  }

  return seasonOfDay;
}

/** Bell curve over the hour of day, 1 at `center`. */
function bump(hour: number, center: number, width: number): number {
  const distance = (hour - center) / width;

  return Math.exp(-0.5 * distance * distance);
}

/** A regional weather factor for a local day, shared by every house: 0.7 (mild) to 1.3 (hot). */
function weather(day: number): number {
  return 0.7 + 0.6 * unitHash(WEATHER_SEED, day);
}

/** Household load shapes over the day, one value per quarter-hour slot of local time. */
interface DailyCurves {
  weekday: Float64Array;
  weekend: Float64Array;
  evening: Float64Array;
  cooling: Float64Array;
}

const SLOT_SECONDS = 900;
const SLOTS_PER_DAY = DAY / SLOT_SECONDS;
const curvesByLength = new Map<number, DailyCurves>();

/**
 * The bell curves evaluated at the middle of each slot's interval, once per interval length:
 * four `Math.exp` per interval were the largest cost of a year of data.
 */
function dailyCurves(seconds: number): DailyCurves {
  let curves = curvesByLength.get(seconds);
  if (curves === undefined) {
    curves = {
      weekday: new Float64Array(SLOTS_PER_DAY),
      weekend: new Float64Array(SLOTS_PER_DAY),
      evening: new Float64Array(SLOTS_PER_DAY),
      cooling: new Float64Array(SLOTS_PER_DAY),
    };
    for (let slot = 0; slot < SLOTS_PER_DAY; slot += 1) {
      const hour = (slot * SLOT_SECONDS + seconds / 2) / HOUR;
      // Weekdays: a short breakfast peak and an empty house; weekends: a late, long morning.
      curves.weekday[slot] = 0.9 * bump(hour, 7.2, 0.9) + 0.15 * bump(hour, 13, 3);
      curves.weekend[slot] = 0.9 * bump(hour, 9.5, 1.6) + 0.6 * bump(hour, 13.5, 2.5);
      curves.evening[slot] = bump(hour, 19.3, 1.7);
      curves.cooling[slot] = bump(hour, 16.5, 2.6);
    }

    curvesByLength.set(seconds, curves);
  }

  return curves;
}

/** Electric usage of one interval, in ten-thousandths of a kWh (at least 1). */
export function electricUnits(profile: UsageProfile, start: number, seconds: number): number {
  const local = start + utcOffsetSeconds(start);
  const day = Math.floor(local / DAY);
  const slot = Math.floor((local - day * DAY) / SLOT_SECONDS);
  // 1970-01-01 was a Thursday, so day 0 has weekday 4.
  const weekday = (((day + 4) % 7) + 7) % 7;
  const curves = dailyCurves(seconds);
  const cos = daySeason(day);
  const summer = cos > 0 ? cos * cos : 0;
  const winter = cos < 0 ? -cos : 0;
  const away = unitHash(profile.seed, day) < 0.04 ? 0.45 : 1;

  let kw = profile.baseKw * (1 + 0.25 * winter);
  kw += (weekday === 0 || weekday === 6 ? curves.weekend[slot] : curves.weekday[slot]) ?? 0;
  kw += (1.5 + 0.4 * winter) * (curves.evening[slot] ?? 0);
  kw += profile.acKw * summer * weather(day) * (curves.cooling[slot] ?? 0);
  kw *= profile.scale * away * (0.72 + 0.56 * unitHash(profile.seed ^ NOISE_SALT, start));
  const spike = unitHash(profile.seed ^ SPIKE_SALT, start);
  if (spike < 0.035) {
    // A dryer, an oven or a car charger running through this interval.
    kw += 1.2 + 70 * spike;
  }

  const units = Math.round((kw * seconds * USAGE_SCALE) / HOUR);

  return units < 1 ? 1 : units;
}

/**
 * Grid emission rate, kg CO2e per kWh, for the UTC hour starting at `hourStart`: about 0.34 at
 * night, down to about 0.1 at a summer noon when solar covers most of the load.
 */
export function emissionRate(hourStart: number): number {
  const local = hourStart + utcOffsetSeconds(hourStart);
  const hour = (((local % DAY) + DAY) % DAY) / HOUR + 0.5;
  const solar = hour > 6.5 && hour < 19.5 ? Math.sin((Math.PI * (hour - 6.5)) / 13) : 0;
  const summer = (1 + season(hourStart)) / 2;
  const jitter = unitHash(GRID_SEED, hourStart / HOUR) - 0.5;
  const rate = 0.335 - 0.225 * solar * (0.75 + 0.25 * summer) + 0.03 * jitter;

  return Math.min(0.36, Math.max(0.09, rate));
}

/** Gas usage of one local day, in ten-thousandths of a therm: about 0.3 in summer to 5 in winter. */
export function gasUnits(profile: UsageProfile, dayStart: number, dayLength: number): number {
  const day = Math.floor((dayStart + utcOffsetSeconds(dayStart)) / DAY);
  const weekday = (((day + 4) % 7) + 7) % 7;
  const winter = (1 - season(dayStart + dayLength / 2)) / 2;
  const cold = 2 - weather(day);
  const noise = unitHash(profile.seed ^ GAS_SALT, day);
  const weekend = weekday === 0 || weekday === 6 ? 0.08 : 0;
  const therms =
    0.3 + 0.15 * noise + weekend + profile.gasScale * 4.2 * Math.pow(winter, 1.7) * cold;

  return Math.round((therms * dayLength * USAGE_SCALE) / DAY);
}

/** The span of time for which an account has intervals of one type, given the clock. */
export interface DataSpan {
  /** Start of the oldest interval. */
  first: number;
  /** End of the newest interval: every interval ends at or before it. */
  end: number;
}

/**
 * Where an account's data of one type starts and stops with the clock at `now`: 28 local months
 * back (or the account's fixed history start, if earlier) up to the last complete interval.
 */
export function dataSpan(account: SandboxAccount, type: MeterType, now: number): DataSpan {
  const rolling = addLocalMonths(startOfLocalMonth(now), -HISTORY_MONTHS);
  const first = account.historyStart === null ? rolling : Math.min(rolling, account.historyStart);
  // Electric data lags to the last full hour, gas to the last full local day.
  const end = type === 'ELECTRIC' ? Math.floor(now / HOUR) * HOUR : startOfLocalDay(now);

  return { first, end };
}

/** Electric usage units, taking recorded override values where they exist. */
function electricUnitsAt(account: SandboxAccount, start: number, seconds: number): number {
  const override = account.override;
  if (override !== null && start >= override.start && seconds === override.step) {
    const recorded = override.units[(start - override.start) / override.step];
    if (recorded !== undefined) {
      return recorded;
    }
  }

  return electricUnits(account.profile, start, seconds);
}

/** Recorded emissions for the interval at `start`, or undefined where values are generated. */
export function recordedEmissions(account: SandboxAccount, start: number): number | undefined {
  const override = account.override;
  if (override === null || start < override.start) {
    return undefined;
  }

  return override.emissions[(start - override.start) / override.step];
}

/** First local midnight at or after `at`. */
function localMidnightFrom(at: number): number {
  const start = startOfLocalDay(at);

  return start < at ? addLocalDays(start, 1) : start;
}

/**
 * Calls `visit` for each interval of the account and type with `from ≤ start < to`, inside the
 * span, in time order. Electric intervals follow a UTC-aligned grid; gas intervals are local days.
 */
export function eachInterval(
  account: SandboxAccount,
  type: MeterType,
  span: DataSpan,
  from: number,
  to: number,
  visit: (start: number, end: number, units: number) => void,
): void {
  const lower = Math.max(from, span.first);
  if (type === 'ELECTRIC') {
    const seconds = account.electric?.intervalSeconds ?? HOUR;
    for (let start = Math.ceil(lower / seconds) * seconds; start < to; start += seconds) {
      const end = start + seconds;
      if (end > span.end) {
        break;
      }

      visit(start, end, electricUnitsAt(account, start, seconds));
    }

    return;
  }

  for (let start = localMidnightFrom(lower); start < to;) {
    const end = addLocalDays(start, 1);
    if (end > span.end) {
      break;
    }

    visit(start, end, gasUnits(account.profile, start, end - start));
    start = end;
  }
}

/** Sum of an account's usage units of one type over intervals with `from ≤ start < to`. */
export function sumUsageUnits(
  account: SandboxAccount,
  type: MeterType,
  from: number,
  to: number,
  now: number,
): number {
  let total = 0;
  eachInterval(account, type, dataSpan(account, type, now), from, to, (_start, _end, units) => {
    total += units;
  });

  return total;
}

/** Converts integer usage units back to the number Pelm sends (four decimals). */
export function unitsToUsage(units: number): number {
  return units / USAGE_SCALE;
}
