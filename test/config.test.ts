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
        '2024-06-01T00:00:00Z (got "2024-06-01")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('never repeats a secret in its messages', () => {
    const problems = problemsOf({ TOKEN_HASH_SECRET: 'short-secret' });

    expect(problems).toEqual(['TOKEN_HASH_SECRET must be at least 16 characters']);
  });
});
