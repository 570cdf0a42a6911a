import { describe, expect, it } from 'vitest';

import type { PelmInterval } from '../../src/pelm/types.js';
import { sumByResolution, sumExactly } from '../../src/schema/resolution.js';

const at = (iso: string) => Date.parse(iso) / 1000;

/** Back-to-back readings of `step` seconds from `from`, with usage and emissions from `value`. */
function readings(from: string, count: number, step: number, value: (i: number) => number) {
  const start = at(from);

  return Array.from({ length: count }, (_, i): PelmInterval => ({
    start: start + i * step,
    end: start + (i + 1) * step,
    usage: value(i),
    ghgEmissions: value(i) / 10,
  }));
}

describe('sumExactly', () => {
  it('adds readings of a few decimals to the decimal sum, without float drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumExactly([0.1, 0.2])).toBe(0.3);
    expect(sumExactly(Array.from({ length: 96 }, () => 4.8628))).toBe(466.8288);
    expect(sumExactly([1.005, 2.0001, 3])).toBe(6.0051);
    expect(sumExactly([])).toBe(0);
  });

  it('adds full-precision values with compensation: 10,000 × 0.1234567890123 within one ulp', () => {
    const values = Array.from({ length: 10_000 }, () => 0.1234567890123);
    const naive = values.reduce((sum, value) => sum + value, 0);
    const exact = 1234.567890123;
    expect(Math.abs(sumExactly(values) - exact)).toBeLessThanOrEqual(exact * Number.EPSILON);
    expect(Math.abs(naive - exact)).toBeGreaterThan(exact * Number.EPSILON);
  });
});

describe('sumByResolution', () => {
  it('returns the readings themselves, untouched, as recorded', () => {
    const day = readings('2024-06-01T07:00:00Z', 96, 900, () => 0.25);
    expect(sumByResolution(day, 'AS_RECORDED')).toBe(day);
  });

  it('sums 15-minute readings into whole hours', () => {
    const summed = sumByResolution(
      readings('2024-06-01T07:00:00Z', 8, 900, (i) => i + 0.1),
      'HOUR',
    );
    expect(summed).toEqual([
      {
        start: at('2024-06-01T07:00:00Z'),
        end: at('2024-06-01T08:00:00Z'),
        usage: 6.4,
        ghgEmissions: 0.64,
        readings: 4,
      },
      {
        start: at('2024-06-01T08:00:00Z'),
        end: at('2024-06-01T09:00:00Z'),
        usage: 22.4,
        ghgEmissions: 2.24,
        readings: 4,
      },
    ]);
  });

  it('cuts days at Pacific midnight, 23 hours long on the spring-forward Sunday', () => {
    // 2024-03-09 00:00 PST to 2024-03-12 00:00 PDT: 24 + 23 + 24 hours of quarter hours.
    const quarters = readings('2024-03-09T08:00:00Z', (24 + 23 + 24) * 4, 900, () => 0.5);
    const days = sumByResolution(quarters, 'DAY');
    expect(days.map((day) => [day.start, day.end, day.usage, day.readings])).toEqual([
      [at('2024-03-09T08:00:00Z'), at('2024-03-10T08:00:00Z'), 48, 96],
      [at('2024-03-10T08:00:00Z'), at('2024-03-11T07:00:00Z'), 46, 92],
      [at('2024-03-11T07:00:00Z'), at('2024-03-12T07:00:00Z'), 48, 96],
    ]);
  });

  it('sums calendar months and tells how many readings a month with gaps holds', () => {
    const january = readings('2024-01-01T08:00:00Z', 31, 86_400, () => 1.5);
    const february = readings('2024-02-01T08:00:00Z', 29, 86_400, () => 2).filter(
      (_, i) => i % 2 === 0,
    );
    const months = sumByResolution([...january, ...february], 'MONTH');
    expect(months.map((month) => [month.start, month.end, month.usage, month.readings])).toEqual([
      [at('2024-01-01T08:00:00Z'), at('2024-02-01T08:00:00Z'), 46.5, 31],
      [at('2024-02-01T08:00:00Z'), at('2024-03-01T08:00:00Z'), 30, 15],
    ]);
  });

  it('keeps a reading longer than its bucket as recorded, never pouring a day into one hour', () => {
    const gasDays = readings('2024-06-01T07:00:00Z', 2, 86_400, (i) => 1.25 + i);
    const hours = sumByResolution(gasDays, 'HOUR');
    expect(hours).toEqual(gasDays);
  });

  it('leaves emissions null when no reading of the bucket has them', () => {
    const gas = readings('2024-06-01T07:00:00Z', 4, 900, () => 1).map((reading) => ({
      ...reading,
      ghgEmissions: null,
    }));
    expect(sumByResolution(gas, 'HOUR')).toEqual([
      {
        start: at('2024-06-01T07:00:00Z'),
        end: at('2024-06-01T08:00:00Z'),
        usage: 4,
        ghgEmissions: null,
        readings: 4,
      },
    ]);
  });
});
