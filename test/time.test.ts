import { describe, expect, it } from 'vitest';
import {
  addLocalDays,
  addLocalMonths,
  daysInMonth,
  fromLocalDateTime,
  localDayLengthSeconds,
  startOfLocalDay,
  startOfLocalMonth,
  toLocalDateTime,
  utcOffsetSeconds,
} from '../src/time.js';

const HOUR = 3600;

function utc(iso: string): number {
  return Date.parse(iso) / 1000;
}

describe('utcOffsetSeconds', () => {
  it('gives -8 h in Pacific winter and -7 h in Pacific summer', () => {
    expect(utcOffsetSeconds(utc('2024-01-15T12:00:00Z'))).toBe(-8 * HOUR);
    expect(utcOffsetSeconds(utc('2024-07-15T12:00:00Z'))).toBe(-7 * HOUR);
  });

  it('switches at 02:00 local on the DST Sundays of 2024', () => {
    // 2024-03-10 02:00 PST is 10:00Z; 2024-11-03 02:00 PDT is 09:00Z.
    expect(utcOffsetSeconds(utc('2024-03-10T09:59:59Z'))).toBe(-8 * HOUR);
    expect(utcOffsetSeconds(utc('2024-03-10T10:00:00Z'))).toBe(-7 * HOUR);
    expect(utcOffsetSeconds(utc('2024-11-03T08:59:59Z'))).toBe(-7 * HOUR);
    expect(utcOffsetSeconds(utc('2024-11-03T09:00:00Z'))).toBe(-8 * HOUR);
  });

  it('handles other zones and instants on both sides of a year boundary', () => {
    expect(utcOffsetSeconds(utc('2023-12-31T23:59:59Z'), 'UTC')).toBe(0);
    expect(utcOffsetSeconds(utc('2024-06-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(utcOffsetSeconds(utc('2025-01-01T00:00:00Z'))).toBe(-8 * HOUR);
    expect(utcOffsetSeconds(utc('2024-12-31T23:59:59Z'))).toBe(-8 * HOUR);
  });

  it('rejects an unknown zone', () => {
    expect(() => utcOffsetSeconds(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('toLocalDateTime and fromLocalDateTime', () => {
  it('round-trip an ordinary instant', () => {
    const at = utc('2024-06-08T00:30:15Z');
    const local = toLocalDateTime(at);

    expect(local).toEqual({
      year: 2024,
      month: 6,
      day: 7,
      hour: 17,
      minute: 30,
      second: 15,
      weekday: 5,
    });
    expect(fromLocalDateTime(local)).toBe(at);
  });

  it('maps a wall time skipped by spring-forward one hour later', () => {
    const skipped = fromLocalDateTime({ year: 2024, month: 3, day: 10, hour: 2, minute: 30 });

    expect(skipped).toBe(utc('2024-03-10T10:30:00Z'));
    expect(toLocalDateTime(skipped).hour).toBe(3);
  });

  it('maps a wall time repeated by fall-back to its first occurrence', () => {
    expect(fromLocalDateTime({ year: 2024, month: 11, day: 3, hour: 1, minute: 30 })).toBe(
      utc('2024-11-03T08:30:00Z'),
    );
  });

  it('rolls out-of-range fields over like Date.UTC', () => {
    expect(fromLocalDateTime({ year: 2024, month: 13, day: 1 })).toBe(utc('2025-01-01T08:00:00Z'));
    expect(fromLocalDateTime({ year: 2024, month: 2, day: 30 })).toBe(utc('2024-03-01T08:00:00Z'));
  });
});

describe('local days', () => {
  it('starts the day at local midnight, not UTC midnight', () => {
    expect(startOfLocalDay(utc('2024-06-08T03:00:00Z'))).toBe(utc('2024-06-07T07:00:00Z'));
    expect(startOfLocalDay(utc('2024-06-08T07:00:00Z'))).toBe(utc('2024-06-08T07:00:00Z'));
  });

  it('has 23 hours on spring-forward day, 25 on fall-back day and 24 otherwise', () => {
    expect(localDayLengthSeconds(utc('2024-03-10T12:00:00Z'))).toBe(23 * HOUR);
    expect(localDayLengthSeconds(utc('2024-11-03T12:00:00Z'))).toBe(25 * HOUR);
    expect(localDayLengthSeconds(utc('2024-03-11T12:00:00Z'))).toBe(24 * HOUR);
    expect(localDayLengthSeconds(utc('2025-03-09T12:00:00Z'))).toBe(23 * HOUR);
    expect(localDayLengthSeconds(utc('2025-11-02T12:00:00Z'))).toBe(25 * HOUR);
  });

  it('steps whole calendar days across DST, keeping local midnight', () => {
    const saturday = utc('2024-03-09T08:00:00Z');

    expect(addLocalDays(saturday, 1)).toBe(utc('2024-03-10T08:00:00Z'));
    expect(addLocalDays(saturday, 2)).toBe(utc('2024-03-11T07:00:00Z'));
    expect(addLocalDays(utc('2024-11-04T08:00:00Z'), -1)).toBe(utc('2024-11-03T07:00:00Z'));
  });
});

describe('local months', () => {
  it('starts the month at local midnight of the 1st', () => {
    expect(startOfLocalMonth(utc('2024-07-01T03:00:00Z'))).toBe(utc('2024-06-01T07:00:00Z'));
    expect(startOfLocalMonth(utc('2024-12-15T00:00:00Z'))).toBe(utc('2024-12-01T08:00:00Z'));
  });

  it('keeps the wall time across DST and clamps to the end of shorter months', () => {
    const janMidnight = utc('2024-01-31T08:00:00Z');

    expect(addLocalMonths(janMidnight, 1)).toBe(utc('2024-02-29T08:00:00Z'));
    expect(addLocalMonths(janMidnight, 2)).toBe(utc('2024-03-31T07:00:00Z'));
    expect(addLocalMonths(utc('2024-05-31T07:00:00Z'), -2)).toBe(utc('2024-03-31T07:00:00Z'));
    expect(addLocalMonths(utc('2024-03-31T07:00:00Z'), -1)).toBe(utc('2024-02-29T08:00:00Z'));
    expect(addLocalMonths(utc('2024-11-15T08:00:00Z'), 14)).toBe(utc('2026-01-15T08:00:00Z'));
    expect(addLocalMonths(utc('2024-02-15T08:00:00Z'), -14)).toBe(utc('2022-12-15T08:00:00Z'));
  });

  it('knows month lengths, leap years included', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2024, 12)).toBe(31);
    expect(daysInMonth(2024, 4)).toBe(30);
  });
});
