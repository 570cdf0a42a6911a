import { describe, expect, it } from 'vitest';
import {
  DATA_UNAVAILABLE_RETRY_AFTER_SECONDS,
  errorFromInvalidBody,
  errorFromNetwork,
  errorFromResponse,
  isPelmError,
  parseRetryAfter,
  PelmError,
  type PelmErrorCode,
} from '../../src/pelm/errors.js';

const answer = (status: number, errorCode?: string, retryAfter?: string) => ({
  status,
  errorCode,
  retryAfter,
});

describe('errorFromResponse', () => {
  const byCode: [number, string, PelmErrorCode][] = [
    [401, 'token_invalid', 'UNAUTHENTICATED'],
    [401, 'credentials_invalid', 'UPSTREAM_ERROR'],
    [403, 'permission_denied', 'FORBIDDEN'],
    [500, 'data_unavailable', 'DATA_UNAVAILABLE'],
    [402, 'quota_reached', 'QUOTA_EXCEEDED'],
    [400, 'parameter_missing', 'BAD_USER_INPUT'],
    [400, 'parameter_invalid', 'BAD_USER_INPUT'],
    [400, 'feature_unavailable', 'FEATURE_UNAVAILABLE'],
    [400, 'utility_unavailable', 'FEATURE_UNAVAILABLE'],
    [500, 'internal_error', 'UPSTREAM_ERROR'],
    [400, 'never_seen_before', 'UPSTREAM_ERROR'],
  ];

  it.each(byCode)('maps %i %s to %s', (status, errorCode, code) => {
    const error = errorFromResponse('list accounts', answer(status, errorCode));

    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.upstreamCode).toBe(errorCode);
  });

  const byStatus: [number, PelmErrorCode][] = [
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [402, 'QUOTA_EXCEEDED'],
    [408, 'UPSTREAM_TIMEOUT'],
    [504, 'UPSTREAM_TIMEOUT'],
    [500, 'UPSTREAM_ERROR'],
    [502, 'UPSTREAM_ERROR'],
    [404, 'UPSTREAM_ERROR'],
    [400, 'UPSTREAM_ERROR'],
  ];

  it.each(byStatus)('maps a bare %i to %s', (status, code) => {
    expect(errorFromResponse('list accounts', answer(status)).code).toBe(code);
  });

  it('gives DATA_UNAVAILABLE a default retry hint, or the one Pelm sends', () => {
    expect(errorFromResponse('x', answer(500, 'data_unavailable')).retryAfterSeconds).toBe(
      DATA_UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
    expect(errorFromResponse('x', answer(500, 'data_unavailable', '90')).retryAfterSeconds).toBe(
      90,
    );
  });

  it('puts 429 before any error_code and keeps Retry-After', () => {
    const error = errorFromResponse('x', answer(429, 'quota_reached', '7'));

    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(7);
  });

  it('names the operation and the status in its own words', () => {
    expect(errorFromResponse('list bills', answer(502)).message).toBe(
      'Pelm failed to list bills (HTTP 502).',
    );
  });
});

describe('errorFromNetwork', () => {
  const withCode = (code: string) => Object.assign(new Error('boom'), { code });

  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'UPSTREAM_TIMEOUT'],
    ['UND_ERR_HEADERS_TIMEOUT', 'UPSTREAM_TIMEOUT'],
    ['UND_ERR_BODY_TIMEOUT', 'UPSTREAM_TIMEOUT'],
    ['ETIMEDOUT', 'UPSTREAM_TIMEOUT'],
    ['UND_ERR_SOCKET', 'UPSTREAM_ERROR'],
    ['ECONNRESET', 'UPSTREAM_ERROR'],
    ['ECONNREFUSED', 'UPSTREAM_ERROR'],
    ['UND_ERR_ABORTED', 'UPSTREAM_ERROR'],
  ])('maps %s to %s and keeps the cause', (undiciCode, code) => {
    const cause = withCode(undiciCode);
    const error = errorFromNetwork('list accounts', cause);

    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('boom');
  });

  it('maps a TimeoutError DOMException to UPSTREAM_TIMEOUT', () => {
    expect(errorFromNetwork('x', new DOMException('late', 'TimeoutError')).code).toBe(
      'UPSTREAM_TIMEOUT',
    );
  });

  it('passes a PelmError through unchanged', () => {
    const original = new PelmError('FORBIDDEN', 'no');

    expect(errorFromNetwork('x', original)).toBe(original);
  });

  it('copes with thrown values that are not errors', () => {
    expect(errorFromNetwork('x', 'string').code).toBe('UPSTREAM_ERROR');
    expect(errorFromNetwork('x', { code: 42 }).code).toBe('UPSTREAM_ERROR');
  });
});

describe('errorFromInvalidBody', () => {
  it('is an UPSTREAM_ERROR without status that keeps the cause out of the message', () => {
    const cause = new Error('pg: connection refused 10.0.3.7');
    const error = errorFromInvalidBody('list accounts', cause);

    expect(isPelmError(error)).toBe(true);
    expect(error.code).toBe('UPSTREAM_ERROR');
    expect(error.status).toBeUndefined();
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Pelm answered list accounts with an unexpected body.');
  });
});

describe('parseRetryAfter', () => {
  const nowMs = Date.parse('2024-01-01T00:00:00Z');

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    ['30', 30],
    [' 0 ', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['Mon, 01 Jan 2024 00:02:00 GMT', 120],
    ['Sun, 31 Dec 2023 23:00:00 GMT', 0],
    ['Monday, 01-Jan-24 00:02:00 GMT', 120],
    ['Mon Jan  1 00:02:00 2024', 120],
    ['2024', 2024],
    ['2024-01-01T00:02:00Z', undefined],
  ])('reads %j as %s', (value, expected) => {
    expect(parseRetryAfter(value, nowMs)).toBe(expected);
  });
});

describe('which outcomes are retried and which open a breaker', () => {
  const network = Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' });
  const headers = Object.assign(new Error('headers'), { code: 'UND_ERR_HEADERS_TIMEOUT' });

  it.each([
    ['429', errorFromResponse('list accounts', answer(429)), true, false],
    ['500 internal_error', errorFromResponse('x', answer(500, 'internal_error')), true, true],
    ['502 without body', errorFromResponse('x', answer(502)), true, true],
    ['503', errorFromResponse('x', answer(503)), true, true],
    ['504', errorFromResponse('x', answer(504)), true, true],
    ['500 data_unavailable', errorFromResponse('x', answer(500, 'data_unavailable')), false, false],
    ['401 token_invalid', errorFromResponse('x', answer(401, 'token_invalid')), false, false],
    ['402 quota_reached', errorFromResponse('x', answer(402, 'quota_reached')), false, false],
    ['403', errorFromResponse('x', answer(403)), false, false],
    ['400 unknown code', errorFromResponse('x', answer(400, 'new_code')), false, false],
    ['a reset socket', errorFromNetwork('x', network), true, true],
    ['a headers timeout', errorFromNetwork('x', headers), true, true],
    ['a body that does not fit', errorFromInvalidBody('x', new Error('shape')), false, true],
  ])('%s: transient %s, upstream fault %s', (_name, error, transient, fault) => {
    expect([error.transient, error.upstreamFault]).toEqual([transient, fault]);
  });
});
