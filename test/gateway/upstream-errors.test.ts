import { afterEach, describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { PelmClient } from '../../src/pelm/client.js';
import {
  pelmAccount,
  pelmError,
  startFakePelm,
  type FakeAnswer,
  type FakePelm,
} from '../helpers/fake-pelm.js';
import { errorCodes, execute } from '../helpers/stack.js';

const ACCOUNTS_QUERY = /* GraphQL */ `
  {
    user {
      accounts {
        id
      }
    }
  }
`;

let fake: FakePelm | undefined;
let client: PelmClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.close();
  client = undefined;
  fake = undefined;
});

async function gatewayOver(accountsAnswer: FakeAnswer): Promise<Gateway> {
  fake = await startFakePelm({ 'GET /accounts': accountsAnswer });
  // Retries off: the table is about how each single answer maps (retries have their own tests).
  client = new PelmClient({
    baseUrl: fake.url,
    logger: createSilentLogger(),
    headersTimeoutMs: 300,
    bodyTimeoutMs: 300,
    retry: false,
  });

  return createGateway({ source: client, logger: createSilentLogger() });
}

/** Each row: what Pelm answers `GET /accounts`, and the code the caller must see. */
const TABLE: Array<[string, FakeAnswer, string, number | undefined]> = [
  ['401 token_invalid', pelmError(401, 'token_invalid'), 'UNAUTHENTICATED', undefined],
  ['401 credentials_invalid', pelmError(401, 'credentials_invalid'), 'UPSTREAM_ERROR', undefined],
  ['403 permission_denied', pelmError(403, 'permission_denied'), 'FORBIDDEN', undefined],
  ['500 data_unavailable', pelmError(500, 'data_unavailable'), 'DATA_UNAVAILABLE', 15],
  ['402 quota_reached', pelmError(402, 'quota_reached'), 'QUOTA_EXCEEDED', undefined],
  ['400 parameter_missing', pelmError(400, 'parameter_missing'), 'BAD_USER_INPUT', undefined],
  ['400 parameter_invalid', pelmError(400, 'parameter_invalid'), 'BAD_USER_INPUT', undefined],
  ['feature_unavailable', pelmError(400, 'feature_unavailable'), 'FEATURE_UNAVAILABLE', undefined],
  ['utility_unavailable', pelmError(400, 'utility_unavailable'), 'FEATURE_UNAVAILABLE', undefined],
  ['429 with Retry-After', pelmError(429, 'rate', { 'retry-after': '7' }), 'RATE_LIMITED', 7],
  ['429 without Retry-After', { status: 429, text: 'slow down' }, 'RATE_LIMITED', undefined],
  ['503 internal_error', pelmError(503, 'internal_error'), 'UPSTREAM_ERROR', undefined],
  ['an unknown error_code', pelmError(400, 'card_invalid'), 'UPSTREAM_ERROR', undefined],
  ['HTML instead of JSON', { status: 200, text: '<html>oops</html>' }, 'UPSTREAM_ERROR', undefined],
  ['a body of the wrong shape', { status: 200, json: [{ id: 7 }] }, 'UPSTREAM_ERROR', undefined],
  ['no headers in time', { hang: true }, 'UPSTREAM_TIMEOUT', undefined],
];

describe('upstream outcomes reach the caller as one stable code', () => {
  it.each(TABLE)('maps %s', async (_name, answer, code, retryAfter) => {
    const gateway = await gatewayOver(answer);
    const response = await execute(gateway, ACCOUNTS_QUERY);
    const [error] = response.body.errors ?? [];

    expect(response.status).toBe(200);
    expect(errorCodes(response)).toEqual([code]);
    expect(error?.extensions?.['retryAfter']).toBe(retryAfter);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('sandbox-bob');
    expect(text).not.toContain('upstream says');
    expect(text).not.toContain('oops');
    expect(text).not.toContain(fake?.url.replace('http://', ''));
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('maps a refused connection to UPSTREAM_ERROR', async () => {
    const closed = await startFakePelm();
    const url = closed.url;
    await closed.close();
    client = new PelmClient({ baseUrl: url, logger: createSilentLogger() });
    const gateway = createGateway({ source: client, logger: createSilentLogger() });
    const response = await execute(gateway, ACCOUNTS_QUERY);

    expect(errorCodes(response)).toEqual(['UPSTREAM_ERROR']);
    expect(JSON.stringify(response.body)).not.toContain('ECONNREFUSED');
  });

  it('keeps the other accounts when one account’s bills group is malformed', async () => {
    fake = await startFakePelm({
      'GET /accounts': { json: [pelmAccount('acc-1'), pelmAccount('acc-2')] },
      'GET /bills': {
        json: [
          { account_id: 'acc-1', bills: [{ id: 'bill-1', total_amount_due: 10.5 }] },
          { account_id: 'acc-2', bills: [{ id: 42, total_amount_due: 'lots' }] },
        ],
      },
    });
    client = new PelmClient({ baseUrl: fake.url, logger: createSilentLogger() });
    const gateway = createGateway({ source: client, logger: createSilentLogger() });
    const response = await execute(
      gateway,
      '{ user { accounts { id bills { id totalAmountDue { amount } } } } }',
    );

    expect(response.body.data).toEqual({
      user: {
        accounts: [
          { id: 'acc-1', bills: [{ id: 'bill-1', totalAmountDue: { amount: '10.5' } }] },
          { id: 'acc-2', bills: null },
        ],
      },
    });
    expect(response.body.errors?.map((error) => [error.path, error.extensions?.['code']])).toEqual([
      [['user', 'accounts', 1, 'bills'], 'UPSTREAM_ERROR'],
    ]);
  });
});
