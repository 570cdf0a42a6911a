import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  addLocalDays,
  addLocalMonths,
  fromLocalDateTime,
  startOfLocalDay,
  startOfLocalMonth,
} from '../../src/time.js';
import {
  NOW,
  call,
  getOk,
  intervalsPath,
  type AccountBody,
  type IntervalBody,
  type IntervalsBody,
} from './helpers.js';

const QUARTER = 900;
const DAY = 86_400;

let sandbox: Sandbox;
let house: AccountBody;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
  const accounts = await getOk<AccountBody[]>(sandbox, '/accounts');
  const first = accounts[0];
  if (first === undefined) {
    throw new Error('bob has no accounts');
  }

  house = first;
});

afterAll(async () => {
  await sandbox.close();
});

async function electric(start?: number, end?: number): Promise<IntervalBody[]> {
  const body = await getOk<IntervalsBody>(sandbox, intervalsPath(house.id, 'ELECTRIC', start, end));

  return body.intervals;
}

async function gas(start?: number, end?: number): Promise<IntervalBody[]> {
  const body = await getOk<IntervalsBody>(sandbox, intervalsPath(house.id, 'GAS', start, end));

  return body.intervals;
}

function expectContiguous(intervals: IntervalBody[]): void {
  for (let index = 1; index < intervals.length; index += 1) {
    expect(intervals[index]?.start).toBe(intervals[index - 1]?.end);
  }
}

describe('interval windows', () => {
  it('returns the 96 quarter-hours of a UTC day, start_date inclusive and end_date exclusive', async () => {
    const day = Date.parse('2026-11-10T00:00:00Z') / 1000;
    const intervals = await electric(day, day + DAY);

    expect(intervals).toHaveLength(96);
    expect(intervals[0]?.start).toBe(day);
    expect(intervals.at(-1)?.end).toBe(day + DAY);
    expectContiguous(intervals);
    for (const interval of intervals) {
      expect(interval.end - interval.start).toBe(QUARTER);
    }
  });

  it('starts at the first interval at or after start_date and stops before end_date', async () => {
    const day = Date.parse('2026-11-10T00:00:00Z') / 1000;

    expect((await electric(day + 1, day + 2 * QUARTER)).map((interval) => interval.start)).toEqual([
      day + QUARTER,
    ]);
    expect(await electric(day, day + QUARTER)).toHaveLength(1);
    expect(await electric(day, day + QUARTER - 1)).toHaveLength(1);
    expect(await electric(day + 1, day + QUARTER)).toHaveLength(0);
  });

  it('has 92 quarter-hours on the spring-forward day and 100 on the fall-back day', async () => {
    const spring = fromLocalDateTime({ year: 2026, month: 3, day: 8 });
    const fall = fromLocalDateTime({ year: 2026, month: 11, day: 1 });

    expect(await electric(spring, addLocalDays(spring, 1))).toHaveLength(92);
    expect(await electric(fall, addLocalDays(fall, 1))).toHaveLength(100);
  });

  it('gives one gas reading per local day, from local midnight to local midnight', async () => {
    const first = fromLocalDateTime({ year: 2026, month: 10, day: 25 });
    const end = fromLocalDateTime({ year: 2026, month: 11, day: 8 });
    const intervals = await gas(first, end);

    expect(intervals).toHaveLength(14);
    expectContiguous(intervals);
    for (const interval of intervals) {
      expect(startOfLocalDay(interval.start)).toBe(interval.start);
      expect(interval.end).toBe(addLocalDays(interval.start, 1));
      expect(interval).not.toHaveProperty('ghg_emissions');
    }

    const lengths = intervals.map((interval) => interval.end - interval.start);

    expect(lengths.filter((length) => length === 25 * 3600)).toHaveLength(1);
    expect(lengths.filter((length) => length === DAY)).toHaveLength(13);
  });

  it('makes the spring-forward gas day 23 hours long', async () => {
    const spring = fromLocalDateTime({ year: 2026, month: 3, day: 8 });
    const [day] = await gas(spring, spring + 1);

    expect(day?.end).toBe(spring + 23 * 3600);
  });

  it('defaults to the two local months before the clock', async () => {
    const intervals = await electric();
    const from = addLocalMonths(NOW, -2);

    expect(intervals[0]?.start).toBe(Math.ceil(from / QUARTER) * QUARTER);
    // The clock is 19:40Z: data stops at the last full hour.
    expect(intervals.at(-1)?.end).toBe(Date.parse('2026-12-03T19:00:00Z') / 1000);
    expectContiguous(intervals);
  });

  it('takes two months from start_date when only start_date is given', async () => {
    const start = fromLocalDateTime({ year: 2026, month: 1, day: 31 });
    const intervals = await gas(start);

    expect(intervals[0]?.start).toBe(start);
    expect(intervals.at(-1)?.end).toBe(fromLocalDateTime({ year: 2026, month: 3, day: 31 }));
    expect(intervals).toHaveLength(59);
  });

  it('takes the two months before end_date when only end_date is given', async () => {
    const end = fromLocalDateTime({ year: 2026, month: 5, day: 31 });
    const intervals = await gas(undefined, end);

    expect(intervals[0]?.start).toBe(fromLocalDateTime({ year: 2026, month: 3, day: 31 }));
    expect(intervals.at(-1)?.end).toBe(end);
  });

  it('stops gas at the last full local day and electric at the last full hour', async () => {
    const gasDays = await gas(NOW - 5 * DAY, NOW + 5 * DAY);
    const quarters = await electric(NOW - DAY, NOW + DAY);

    expect(gasDays.at(-1)?.end).toBe(startOfLocalDay(NOW));
    expect(quarters.at(-1)?.end).toBe(Math.floor(NOW / 3600) * 3600);
  });

  it('keeps 28 local months of history before the current month', async () => {
    const historyStart = addLocalMonths(startOfLocalMonth(NOW), -28);
    const oldest = await gas(0, historyStart + 3 * DAY);

    expect(oldest[0]?.start).toBe(historyStart);
    expect(await gas(0, historyStart)).toHaveLength(0);
  });

  it('selects the same series by meter id as by account id and type', async () => {
    const [electricMeter, gasMeter] = house.meters ?? [];
    const start = Date.parse('2026-11-10T00:00:00Z') / 1000;
    const range = `start_date=${start}&end_date=${start + DAY}`;
    const byMeter = await getOk<IntervalsBody>(
      sandbox,
      `/intervals?meter_id=${electricMeter?.id ?? ''}&${range}`,
    );
    const gasByMeter = await getOk<IntervalsBody>(
      sandbox,
      `/intervals?meter_id=${gasMeter?.id ?? ''}&${range}`,
    );

    expect(byMeter.type).toBe('ELECTRIC');
    expect(byMeter.intervals).toStrictEqual(await electric(start, start + DAY));
    expect(gasByMeter.type).toBe('GAS');
    expect(gasByMeter.intervals).toStrictEqual(await gas(start, start + DAY));
  });
});

describe('interval values', () => {
  it('have at most four decimals of kWh and emissions between 0.09 and 0.36 kg per kWh', async () => {
    const week = await electric(NOW - 7 * DAY, NOW);

    expect(week.length).toBeGreaterThan(600);
    for (const interval of week) {
      expect(Math.round(interval.usage * 10_000) / 10_000).toBe(interval.usage);
      expect(interval.usage).toBeGreaterThan(0);
      const rate = (interval.ghg_emissions ?? 0) / interval.usage;
      expect(rate).toBeGreaterThanOrEqual(0.089);
      expect(rate).toBeLessThanOrEqual(0.361);
    }
  });

  it('are a function of the interval alone, whatever the window that asks for them', async () => {
    const start = Date.parse('2026-06-01T00:00:00Z') / 1000;
    const wide = await electric(start - 3 * DAY, start + 3 * DAY);
    const narrow = await electric(start, start + DAY);

    expect(
      wide.filter((interval) => interval.start >= start && interval.start < start + DAY),
    ).toEqual(narrow);
  });

  it('show more winter gas than summer gas', async () => {
    const january = await gas(
      fromLocalDateTime({ year: 2026, month: 1, day: 1 }),
      fromLocalDateTime({ year: 2026, month: 2, day: 1 }),
    );
    const july = await gas(
      fromLocalDateTime({ year: 2026, month: 7, day: 1 }),
      fromLocalDateTime({ year: 2026, month: 8, day: 1 }),
    );
    const total = (days: IntervalBody[]) => days.reduce((sum, day) => sum + day.usage, 0);

    expect(total(january)).toBeGreaterThan(3 * total(july));
    for (const day of [...january, ...july]) {
      expect(day.usage).toBeGreaterThan(0.25);
      expect(day.usage).toBeLessThan(6);
    }
  });

  it('answer byte-for-byte the same to the same request, even from another sandbox', async () => {
    const path = intervalsPath(house.id, 'ELECTRIC', NOW - 30 * DAY, NOW);
    const first = await call(sandbox, path);
    const second = await call(sandbox, path);
    const other = await startSandbox({ now: NOW });
    try {
      const third = await call(other, path);

      expect(second.text).toBe(first.text);
      expect(third.text).toBe(first.text);
    } finally {
      await other.close();
    }
  });

  it('serve a year of 15-minute data as 35 040 intervals', async () => {
    const end = Date.parse('2026-12-01T00:00:00Z') / 1000;
    const started = performance.now();
    const year = await electric(end - 365 * DAY, end);
    const elapsed = performance.now() - started;

    expect(year).toHaveLength(35_040);
    // Generous bound for shared CI machines; in-process it takes about 20 ms.
    expect(elapsed).toBeLessThan(1000);
  });
});
