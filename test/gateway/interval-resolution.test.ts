import { Big } from 'big.js';
import { describe, expect, it } from 'vitest';

import {
  AccountIntervalsDocument,
  IntervalSeriesDocument,
  SummedIntervalsDocument,
} from '../operations/generated.js';
import { errorCodes, execute, useStack } from '../helpers/stack.js';

/** 2023 in Pacific days: 365 of them, midnight PST (08:00Z) to midnight PST. */
const YEAR = { from: '2023-01-01T08:00:00Z', to: '2024-01-01T08:00:00Z' };

const stack = useStack();

function intervalCalls(): number {
  return stack.calls().filter((call) => call === 'GET /intervals').length;
}

describe('intervals summed by resolution', () => {
  it('sums a year of 15-minute readings into 365 Pacific days, each the exact sum of its readings', async () => {
    const recorded = await execute(stack.gateway, AccountIntervalsDocument, {
      token: 'sandbox-alice-sce',
      variables: { type: 'ELECTRIC', ...YEAR },
    });
    const readings = recorded.body.data?.user?.accounts?.[0]?.intervals ?? [];
    expect(readings).toHaveLength(35_040);
    stack.resetCalls();

    const response = await execute(stack.gateway, SummedIntervalsDocument, {
      token: 'sandbox-alice-sce',
      variables: { type: 'ELECTRIC', ...YEAR, resolution: 'DAY' },
    });

    expect(response.body.errors).toBeUndefined();
    const days = response.body.data?.user?.accounts?.[0]?.intervals ?? [];
    expect(days).toHaveLength(365);
    // Seven 60-day windows, as for the readings themselves: summing costs no extra call.
    expect(intervalCalls()).toBe(7);

    // March 12 is the spring-forward Sunday: 23 hours, 92 readings, starting 08:00Z, ending 07:00Z.
    const march12 = days.find((day) => day.start === '2023-03-12T08:00:00Z');
    expect(march12).toMatchObject({ end: '2023-03-13T07:00:00Z', readings: 92 });
    expect(days.filter((day) => day.readings === 96)).toHaveLength(363);
    const november5 = days.find((day) => day.start === '2023-11-05T07:00:00Z');
    expect(november5).toMatchObject({ end: '2023-11-06T08:00:00Z', readings: 100 });

    let next = 0;
    for (const day of days) {
      const members = readings.slice(next, next + day.readings);
      next += day.readings;
      expect(members[0]?.start).toBe(day.start);
      expect(members.at(-1)?.end).toBe(day.end);
      const usage = members.reduce((sum, reading) => sum.plus(reading.usage), new Big(0));
      expect(day.usage).toBe(usage.toNumber());
      const emissions = members.reduce(
        (sum, reading) => sum.plus(reading.ghgEmissions ?? 0),
        new Big(0),
      );
      expect(Math.abs((day.ghgEmissions ?? 0) - emissions.toNumber())).toBeLessThan(1e-9);
    }

    expect(next).toBe(35_040);
  });

  it('answers gas, read once a day, the same by the hour as recorded', async () => {
    const variables = {
      type: 'GAS' as const,
      from: '2024-06-01T07:00:00Z',
      to: '2024-06-08T07:00:00Z',
    };
    const recorded = await execute(stack.gateway, SummedIntervalsDocument, {
      token: 'sandbox-bob',
      variables,
    });
    const hourly = await execute(stack.gateway, SummedIntervalsDocument, {
      token: 'sandbox-bob',
      variables: { ...variables, resolution: 'HOUR' },
    });

    expect(recorded.body.data?.user?.accounts?.[0]?.intervals).toHaveLength(7);
    expect(hourly.body.data).toEqual(recorded.body.data);
  });

  it('refuses `from` after `to` with BAD_USER_INPUT and no interval call', async () => {
    const response = await execute(stack.gateway, SummedIntervalsDocument, {
      token: 'sandbox-bob',
      variables: { type: 'ELECTRIC', from: YEAR.to, to: YEAR.from, resolution: 'DAY' },
    });

    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(intervalCalls()).toBe(0);
  });

  it('refuses a resolution that is not one of the enum values', async () => {
    const response = await execute(
      stack.gateway,
      '{ user { accounts { intervals(type: ELECTRIC, resolution: WEEK) { start } } } }',
      { token: 'sandbox-bob' },
    );

    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('intervalSeries, the compact form', () => {
  it('carries the same values as the objects, with a step that rebuilds every start', async () => {
    const variables = { type: 'ELECTRIC' as const, ...YEAR };
    const objects = await execute(stack.gateway, AccountIntervalsDocument, {
      token: 'sandbox-alice-sce',
      variables,
    });
    stack.resetCalls();
    const response = await execute(stack.gateway, IntervalSeriesDocument, {
      token: 'sandbox-alice-sce',
      variables,
    });

    expect(response.body.errors).toBeUndefined();
    const readings = objects.body.data?.user?.accounts?.[0]?.intervals ?? [];
    const series = response.body.data?.user?.accounts?.[0]?.intervalSeries;
    expect(series).toMatchObject({
      count: 35_040,
      start: YEAR.from,
      end: YEAR.to,
      stepSeconds: 900,
    });
    expect(series?.starts).toEqual(readings.map((reading) => reading.start));
    expect(series?.ends).toEqual(readings.map((reading) => reading.end));
    expect(series?.usage).toEqual(readings.map((reading) => reading.usage));
    expect(series?.ghgEmissions).toEqual(readings.map((reading) => reading.ghgEmissions));
    expect(new Set(series?.readings)).toEqual(new Set([1]));
    expect(series?.starts[1000]).toBe(
      new Date(Date.parse(YEAR.from) + 1000 * 900_000).toISOString().replace('.000Z', 'Z'),
    );
    expect(intervalCalls()).toBe(7);
  });

  it('has no step for days of different lengths, and no emissions list for gas', async () => {
    const days = await execute(stack.gateway, IntervalSeriesDocument, {
      token: 'sandbox-alice-sce',
      variables: { type: 'ELECTRIC', ...YEAR, resolution: 'DAY' },
    });
    const gas = await execute(stack.gateway, IntervalSeriesDocument, {
      token: 'sandbox-alice-socalgas',
      variables: { type: 'GAS', ...YEAR },
    });

    const daySeries = days.body.data?.user?.accounts?.[0]?.intervalSeries;
    expect(daySeries?.count).toBe(365);
    expect(daySeries?.stepSeconds).toBeNull();
    expect(daySeries?.readings.filter((count) => count === 96)).toHaveLength(363);
    // SoCalGas has no intervals at all (Pelm: feature_unavailable): the series is null, coded.
    expect(gas.body.data?.user?.accounts?.[0]?.intervalSeries).toBeNull();
    expect(errorCodes(gas)).toEqual(['FEATURE_UNAVAILABLE']);
  });

  it('sets stepSeconds only when every summed day holds all of its readings', async () => {
    const series = async (from: string, to: string) => {
      const response = await execute<
        {
          user: {
            accounts: Array<{ intervalSeries: { stepSeconds: number | null; readings: number[] } }>;
          };
        },
        never
      >(
        stack.gateway,
        `{ user { accounts { intervalSeries(type: ELECTRIC, resolution: DAY, ` +
          `from: "${from}", to: "${to}") { stepSeconds readings } } } }`,
        { token: 'sandbox-alice-sce' },
      );

      return response.body.data?.user.accounts[0]?.intervalSeries;
    };

    // Three whole Pacific days of June (PDT, 24 hours each).
    expect(await series('2024-06-01T07:00:00Z', '2024-06-04T07:00:00Z')).toEqual({
      stepSeconds: 86_400,
      readings: [96, 96, 96],
    });
    // Starting at 14:00 Pacific: the first and last days hold 40 and 56 readings.
    expect(await series('2024-06-01T21:00:00Z', '2024-06-03T21:00:00Z')).toEqual({
      stepSeconds: null,
      readings: [40, 96, 56],
    });
  });
});
