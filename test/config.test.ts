import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../src/config.js';

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

describe('configuration from the environment', () => {
  it('defaults to port 4000, the embedded sandbox and info logs', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 4000,
      pelmApiUrl: undefined,
      pelmHeadersTimeoutMs: 10_000,
      sandboxSyncSeconds: 30,
      logLevel: 'info',
    });
  });

  it('reads a Pelm URL without its trailing slash and a pinned sandbox clock', () => {
    const config = loadConfig({
      PELM_API_URL: 'https://api.pelm.com/',
      SANDBOX_NOW: '2024-06-01T00:00:00Z',
      PELM_CLIENT_ID: 'client-123',
    });

    expect(config.pelmApiUrl).toBe('https://api.pelm.com');
    expect(config.sandboxNow).toBe(1_717_200_000);
    expect(config.pelmClientId).toBe('client-123');
  });

  it('reports every bad value in one sentence each, naming variable, rule and value', () => {
    expect(
      problemsOf({
        PORT: 'eighty',
        PELM_API_URL: 'ftp://pelm',
        PELM_HEADERS_TIMEOUT_MS: '0',
        SANDBOX_NOW: '2024-06-01',
        LOG_LEVEL: 'loud',
      }),
    ).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "eighty")',
      'PELM_API_URL must be an http(s) URL such as https://api.pelm.com (got "ftp://pelm")',
      'PELM_HEADERS_TIMEOUT_MS must be at least 1 millisecond (got "0")',
      'SANDBOX_NOW must be epoch seconds or an ISO-8601 time with a zone, e.g. ' +
        '2024-06-01T00:00:00Z, in years 1970 to 9999 (got "2024-06-01")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('never repeats a secret in its messages', () => {
    const problems = problemsOf({ TOKEN_HASH_SECRET: 'short-secret' });

    expect(problems).toEqual(['TOKEN_HASH_SECRET must be at least 16 characters']);
  });

  it('treats an empty value as unset, so the default applies and never a 0', () => {
    const config = loadConfig({
      PORT: '',
      RATE_LIMIT_REQUESTS: ' ',
      CACHE_MAX_ENTRIES: '',
      PELM_RETRIES: '',
      GRAPHQL_MAX_ALIASES: '',
    });

    expect(config).toMatchObject({
      port: 4000,
      rateLimitRequests: 300,
      graphqlMaxAliases: 20,
    });
    expect(config.pelmRetry.retries).toBe(2);
    expect(config.cache.maxEntries).toBe(50_000);
  });

  it('reads numbers in decimal only', () => {
    expect(
      problemsOf({ PORT: '0x1006', PELM_RETRIES: '1e1', SYNC_POLL_JITTER: 'Infinity' }),
    ).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "0x1006")',
      'SYNC_POLL_JITTER must be a number from 0 to 1 (got "Infinity")',
      'PELM_RETRIES must be a whole number from 0 to 10 (got "1e1")',
    ]);
  });

  it('refuses a Pelm URL with credentials, a query or a fragment, without echoing the credentials', () => {
    const problems = problemsOf({ PELM_API_URL: 'https://user:hunter2@api.pelm.com/?x=1' });

    expect(problems).toEqual([
      'PELM_API_URL must be a base URL without user, password, query or fragment, such as ' +
        'https://api.pelm.com (got "https://[redacted]@api.pelm.com/?[redacted]")',
    ]);
    expect(problemsOf({ PELM_API_URL: 'https://api.pelm.com/v1#top' })).toHaveLength(1);
    expect(loadConfig({ PELM_API_URL: 'https://api.pelm.com/v1/' }).pelmApiUrl).toBe(
      'https://api.pelm.com/v1',
    );
  });

  it('refuses a SANDBOX_NOW on a day that does not exist instead of rolling it over', () => {
    expect(problemsOf({ SANDBOX_NOW: '2024-02-30T00:00:00Z' })).toEqual([
      'SANDBOX_NOW must be epoch seconds or an ISO-8601 time with a zone, e.g. ' +
        '2024-06-01T00:00:00Z, in years 1970 to 9999 (got "2024-02-30T00:00:00Z")',
    ]);
    expect(problemsOf({ SANDBOX_NOW: '99999999999999' })).toHaveLength(1);
    expect(loadConfig({ SANDBOX_NOW: '2024-02-29T23:45:00-08:00' }).sandboxNow).toBe(
      Date.parse('2024-03-01T07:45:00Z') / 1000,
    );
  });
});
