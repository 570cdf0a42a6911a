import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../src/config.js';
import {
  DEFAULT_ACCOUNTS_TTL_MS,
  DEFAULT_BILLS_TTL_MS,
  DEFAULT_CLOSED_INTERVALS_TTL_MS,
  DEFAULT_INTERVALS_CLOSED_AFTER_MS,
  DEFAULT_NOT_READY_TTL_MS,
  DEFAULT_RECENT_INTERVALS_TTL_MS,
  DEFAULT_STALE_IF_ERROR_MS,
  DEFAULT_STALE_WHILE_REVALIDATE_MS,
  DEFAULT_USER_TTL_MS,
} from '../src/pelm/cache.js';
import {
  DEFAULT_BREAKER_FAILURE_THRESHOLD,
  DEFAULT_BREAKER_MIN_CALLERS,
  DEFAULT_BREAKER_HALF_OPEN_AFTER_MS,
} from '../src/pelm/circuit-breaker.js';
import { DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRIES } from '../src/pelm/response-cache.js';
import {
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_RETRY_BUDGET_RATIO,
  DEFAULT_RETRY_MAX_DELAY_MS,
} from '../src/pelm/retry.js';
import { DEFAULT_REQUEST_DEADLINE_MS } from '../src/upstream-scope.js';

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }

    throw error;
  }

  return [];
}

describe('cache, retry, breaker and deadline settings', () => {
  it('default to the same values as the modules that use them', () => {
    const config = loadConfig({});

    expect(config.requestDeadlineMs).toBe(DEFAULT_REQUEST_DEADLINE_MS);
    expect(config.pelmRetry).toEqual({
      retries: DEFAULT_RETRIES,
      baseDelayMs: DEFAULT_RETRY_BASE_DELAY_MS,
      maxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS,
      maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
      budgetRatio: DEFAULT_RETRY_BUDGET_RATIO,
    });
    expect(config.pelmBreaker).toEqual({
      failureThreshold: DEFAULT_BREAKER_FAILURE_THRESHOLD,
      minCallers: DEFAULT_BREAKER_MIN_CALLERS,
      halfOpenAfterMs: DEFAULT_BREAKER_HALF_OPEN_AFTER_MS,
    });
    expect(config.cache).toEqual({
      maxEntries: DEFAULT_CACHE_MAX_ENTRIES,
      maxBytes: DEFAULT_CACHE_MAX_BYTES,
      accountsTtlMs: DEFAULT_ACCOUNTS_TTL_MS,
      billsTtlMs: DEFAULT_BILLS_TTL_MS,
      recentIntervalsTtlMs: DEFAULT_RECENT_INTERVALS_TTL_MS,
      closedIntervalsTtlMs: DEFAULT_CLOSED_INTERVALS_TTL_MS,
      userTtlMs: DEFAULT_USER_TTL_MS,
      intervalsClosedAfterMs: DEFAULT_INTERVALS_CLOSED_AFTER_MS,
      notReadyTtlMs: DEFAULT_NOT_READY_TTL_MS,
      staleWhileRevalidateMs: DEFAULT_STALE_WHILE_REVALIDATE_MS,
      staleIfErrorMs: DEFAULT_STALE_IF_ERROR_MS,
    });
  });

  it('reads zero as off for retries, breakers, the cache and the not-ready marker', () => {
    const config = loadConfig({
      PELM_RETRIES: '0',
      PELM_BREAKER_FAILURES: '0',
      CACHE_MAX_ENTRIES: '0',
      CACHE_NOT_READY_TTL_MS: '0',
    });

    expect([
      config.pelmRetry.retries,
      config.pelmBreaker.failureThreshold,
      config.cache.maxEntries,
      config.cache.notReadyTtlMs,
    ]).toEqual([0, 0, 0, 0]);
  });

  it('refuses a not-ready TTL beyond a minute and a deadline of zero, naming them', () => {
    expect(problemsOf({ CACHE_NOT_READY_TTL_MS: '600000', REQUEST_DEADLINE_MS: '0' })).toEqual([
      'REQUEST_DEADLINE_MS must be at least 1 millisecond (got "0")',
      'CACHE_NOT_READY_TTL_MS must be a whole number from 0 to 60000 (got "600000")',
    ]);
  });
});
