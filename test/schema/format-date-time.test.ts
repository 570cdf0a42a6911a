import { describe, expect, it } from 'vitest';

import { formatDateTime } from '../../src/schema/scalars.js';

function viaDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

describe('formatDateTime', () => {
  it('writes whole-second instants as RFC 3339 in UTC without milliseconds', () => {
    expect(formatDateTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatDateTime(2_147_483_648)).toBe('2038-01-19T03:14:08Z');
    expect(formatDateTime(1_709_164_800)).toBe('2024-02-29T00:00:00Z');
    expect(formatDateTime(1_719_791_999)).toBe('2024-06-30T23:59:59Z');
    expect(formatDateTime(253_402_300_799)).toBe('9999-12-31T23:59:59Z');
  });

  it('gives the same text as Date for consecutive 15-minute intervals across days and years', () => {
    const start = Date.parse('2023-12-30T00:00:00Z') / 1000;
    for (let index = 0; index < 4 * 96; index += 1) {
      const seconds = start + index * 900;
      expect(formatDateTime(seconds)).toBe(viaDate(seconds));
    }
  });

  it('gives the same text as Date when instants jump back and forth between days', () => {
    const instants = [1_719_792_000, 86_399, 1_719_792_899, 86_400, 1_719_791_999, 59, 3_600];
    expect(instants.map(formatDateTime)).toEqual(instants.map(viaDate));
  });

  it('gives the same text as Date for every day from 1970 to 2200, and every 97th day to 9999', () => {
    const lastDay = Math.floor(253_402_300_799 / 86_400);
    const mismatches: number[] = [];
    const until2200 = Math.floor(Date.UTC(2200, 0, 1) / 86_400_000);
    for (let day = 0; day <= lastDay; day += day < until2200 ? 1 : 97) {
      const seconds = day * 86_400 + (day % 86_400);
      if (formatDateTime(seconds) !== viaDate(seconds)) {
        mismatches.push(day);
      }
    }

    expect(mismatches).toEqual([]);
  });

  it('falls back to Date for fractions and instants outside years 0000 to 9999', () => {
    expect(formatDateTime(-1)).toBe('1969-12-31T23:59:59Z');
    expect(formatDateTime(1.5)).toBe('1970-01-01T00:00:01.500Z');
    expect(formatDateTime(253_402_300_800)).toBe('+010000-01-01T00:00:00Z');
  });
});
