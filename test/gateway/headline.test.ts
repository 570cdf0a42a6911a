import { describe, expect, it } from 'vitest';

import {
  AccountIntervalsDocument,
  HeadlineDocument,
  ProfileDocument,
} from '../operations/generated.js';
import { errorCodes, execute, useStack } from '../helpers/stack.js';

const PELM_SANDBOX_ACCOUNTS = [
  'ea100000-0000-0000-0000-000000000000',
  'ea200000-0000-0000-0000-000000000000',
];

const stack = useStack();

describe('the headline query', () => {
  it('returns every account with its bills for exactly two upstream calls', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, { token: 'sandbox-bob' });

    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const accounts = response.body.data?.user?.accounts ?? [];
    expect(accounts).toHaveLength(3);
    for (const account of accounts) {
      expect(account.bills?.length).toBeGreaterThanOrEqual(24);
      expect(account.bills?.[0]?.totalAmountDue?.currency).toBe('USD');
    }

    expect(stack.calls().sort()).toEqual(['GET /accounts', 'GET /bills']);
  });

  it('lists bills newest first', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, { token: 'sandbox-bob' });
    const starts = (response.body.data?.user?.accounts?.[0]?.bills ?? []).map((b) => b.startDate);

    expect(starts).toEqual([...starts].sort().reverse());
  });

  it('serves an SCE login only its own SCE account', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, {
      token: 'sandbox-alice-sce',
    });

    expect(response.body.data?.user?.accounts).toHaveLength(1);
  });

  it("serves Pelm's public sandbox user its two documented accounts", async () => {
    const response = await execute(stack.gateway, HeadlineDocument, { token: 'sandbox-pelm' });

    expect(response.body.data?.user?.accounts?.map((account) => account.id)).toEqual(
      PELM_SANDBOX_ACCOUNTS,
    );
  });

  it('answers UNAUTHENTICATED without any upstream call when there is no token', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, { token: null });

    expect(response.body.data?.user).toBeNull();
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.calls()).toEqual([]);
  });

  it('answers UNAUTHENTICATED with a null user when Pelm rejects the token', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, { token: 'not-a-token' });

    expect(response.body.data?.user).toBeNull();
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.calls().length).toBeLessThanOrEqual(2);
  });

  it('refuses a malformed Authorization header without an upstream call', async () => {
    const response = await execute(stack.gateway, HeadlineDocument, {
      token: null,
      headers: { authorization: 'Basic c2FuZGJveC1ib2I6' },
    });

    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('intervals', () => {
  it('makes one upstream call per distinct window and account', async () => {
    const response = await execute(stack.gateway, AccountIntervalsDocument, {
      variables: { type: 'ELECTRIC', from: '2024-06-01T00:00:00Z', to: '2024-06-02T00:00:00Z' },
    });

    expect(response.body.errors).toBeUndefined();
    const accounts = response.body.data?.user?.accounts ?? [];
    expect(accounts.map((account) => account.intervals?.length)).toEqual([96, 96, 96]);
    expect(accounts[0]?.intervals?.[0]).toMatchObject({
      start: '2024-06-01T00:00:00Z',
      end: '2024-06-01T00:15:00Z',
      durationSeconds: 900,
    });
    const intervalCalls = stack.sandbox.calls.filter((call) => call.path === '/intervals');
    expect(intervalCalls).toHaveLength(3);
    for (const call of intervalCalls) {
      expect(call.query).toMatchObject({
        type: 'ELECTRIC',
        start_date: '1717200000',
        end_date: '1717286400',
      });
    }
  });

  it("returns the public sandbox user's sample intervals unchanged", async () => {
    const response = await execute(stack.gateway, AccountIntervalsDocument, {
      token: 'sandbox-pelm',
      variables: { type: 'ELECTRIC', from: '2022-06-08T00:00:00Z', to: '2022-06-08T03:00:00Z' },
    });
    const first = response.body.data?.user?.accounts?.[0]?.intervals;

    expect(first?.map((interval) => interval.usage)).toEqual([4.8628, 2.161, 0.5377]);
    expect(first?.[0]?.ghgEmissions).toBe(0.5951260218305533);
  });

  it('splits a range longer than 60 days into windows and merges them in order', async () => {
    const response = await execute(stack.gateway, AccountIntervalsDocument, {
      token: 'sandbox-alice-sce',
      variables: { type: 'ELECTRIC', from: '2024-01-01T00:00:00Z', to: '2024-05-01T00:00:00Z' },
    });
    const intervals = response.body.data?.user?.accounts?.[0]?.intervals ?? [];

    expect(intervals).toHaveLength(121 * 96);
    expect(intervals[0]?.start).toBe('2024-01-01T00:00:00Z');
    expect(intervals.at(-1)?.start).toBe('2024-04-30T23:45:00Z');
    expect(stack.calls().filter((call) => call === 'GET /intervals')).toHaveLength(3);
  });

  it('rejects a window whose start is not before its end, before any upstream call', async () => {
    const response = await execute(stack.gateway, AccountIntervalsDocument, {
      variables: { type: 'ELECTRIC', from: '2024-06-02T00:00:00Z', to: '2024-06-01T00:00:00Z' },
    });

    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(stack.calls().filter((call) => call === 'GET /intervals')).toEqual([]);
  });

  it('rejects a malformed date as BAD_USER_INPUT with no upstream call', async () => {
    const response = await execute(stack.gateway, AccountIntervalsDocument, {
      variables: { type: 'ELECTRIC', from: '2024-02-30T00:00:00Z', to: '2024-03-02T00:00:00Z' },
    });

    expect(response.body.data).toBeUndefined();
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(stack.calls()).toEqual([]);
  });
});

describe('the user profile', () => {
  it('reads utility and credential state when the caller names its user id', async () => {
    const response = await execute(stack.gateway, ProfileDocument, {
      token: 'sandbox-stale',
      variables: { id: 'stale' },
    });

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.user).toMatchObject({ id: 'stale', credentialsValid: false });
    expect(stack.calls()).toEqual(['GET /users/stale']);
  });

  it('answers BAD_USER_INPUT naming the id argument when no id is given', async () => {
    const response = await execute(stack.gateway, ProfileDocument, { variables: {} });

    expect(response.body.data?.user).toMatchObject({ id: null, utility: null });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.extensions?.['argumentName']).toBe('id');
    expect(stack.calls()).toEqual([]);
  });

  it("answers FORBIDDEN for another user's id", async () => {
    const response = await execute(stack.gateway, ProfileDocument, { variables: { id: 'stale' } });

    expect(errorCodes(response)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });
});
