import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NOW, call, getOk, intervalsPath, type AccountBody } from './helpers.js';

let sandbox: Sandbox;
let bobAccount: AccountBody;
let aliceAccount: AccountBody;
let gasAccount: AccountBody;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
  const [bob] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-bob');
  const [alice] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-alice-sce');
  const [socalgas] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-alice-socalgas');
  if (bob === undefined || alice === undefined || socalgas === undefined) {
    throw new Error('a fixture user has no accounts');
  }

  bobAccount = bob;
  aliceAccount = alice;
  gasAccount = socalgas;
});

afterAll(async () => {
  await sandbox.close();
});

async function expectError(
  path: string,
  status: number,
  body: { error_code: string; message?: string },
  token: string | null = 'sandbox-bob',
): Promise<void> {
  const reply = await call(sandbox, path, { token });

  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(reply.json).toMatchObject(body);
  expect(Object.keys(reply.json as object).sort()).toEqual(['error_code', 'message']);
}

describe('routing errors', () => {
  it('answers 404 not_found for an unknown path, even without a token', async () => {
    await expectError(
      '/meters',
      404,
      { error_code: 'not_found', message: 'No Pelm endpoint at /meters.' },
      null,
    );
    await expectError('/accounts/extra/path/here', 404, { error_code: 'not_found' });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const reply = await call(sandbox, '/accounts', { method: 'POST' });

    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET');
    expect(reply.json).toStrictEqual({
      error_code: 'method_not_allowed',
      message: 'POST is not supported on /accounts; use GET.',
    });
  });
});

describe('access token', () => {
  it('answers 401 token_invalid without a token, with an unknown one or a malformed header', async () => {
    const body = {
      error_code: 'token_invalid',
      message: 'The access token is missing or not valid.',
    };
    await expectError('/accounts', 401, body, null);
    await expectError('/accounts', 401, body, 'sandbox-nobody');
    await expectError('/bills', 401, body, 'sandbox-user-01');
    await expectError('/users/bob', 401, body, 'sandbox-user-100000');
    const basic = await call(sandbox, '/accounts', {
      token: null,
      headers: { authorization: 'Basic c2FuZGJveC1ib2I=' },
    });

    expect(basic.status).toBe(401);
  });

  it('accepts the Bearer scheme in any case', async () => {
    const reply = await call(sandbox, '/accounts', {
      token: null,
      headers: { authorization: 'bearer sandbox-bob' },
    });

    expect(reply.status).toBe(200);
  });
});

describe('permission across users', () => {
  it("answers 403 for another user's user id, account, meter and intervals", async () => {
    await expectError('/users/alice-sce', 403, {
      error_code: 'permission_denied',
      message: 'This access token has no access to user alice-sce.',
    });
    await expectError(intervalsPath(aliceAccount.id, 'ELECTRIC'), 403, {
      error_code: 'permission_denied',
      message: `This access token has no access to account ${aliceAccount.id}.`,
    });
    await expectError(`/intervals?meter_id=${aliceAccount.meters?.[0]?.id ?? ''}`, 403, {
      error_code: 'permission_denied',
    });
    await expectError(`/accounts/${aliceAccount.id}/intervals`, 403, {
      error_code: 'permission_denied',
    });
    await expectError(`/accounts/${aliceAccount.id}/bills`, 403, {
      error_code: 'permission_denied',
    });
  });

  it('answers 403 for ids that belong to nobody', async () => {
    await expectError(intervalsPath('not-an-account', 'GAS'), 403, {
      error_code: 'permission_denied',
    });
    await expectError('/bills?account_id=not-an-account', 403, {
      error_code: 'permission_denied',
    });
  });
});

describe('GET /intervals parameters', () => {
  it('requires account_id with type, or meter_id', async () => {
    const missing = {
      error_code: 'parameter_missing',
      message: 'Either account_id and type, or meter_id, is required.',
    };
    await expectError('/intervals', 400, missing);
    await expectError(`/intervals?account_id=${bobAccount.id}`, 400, missing);
    await expectError('/intervals?type=GAS', 400, missing);
  });

  it('rejects an unknown type', async () => {
    await expectError(intervalsPath(bobAccount.id, 'WATER'), 400, {
      error_code: 'parameter_invalid',
      message: 'type must be ELECTRIC or GAS, got "WATER".',
    });
    await expectError(intervalsPath(bobAccount.id, 'electric'), 400, {
      error_code: 'parameter_invalid',
    });
  });

  it('rejects dates that are not integer epoch seconds', async () => {
    for (const value of ['1.5', 'abc', '2026-01-01', '', '1e9']) {
      await expectError(`${intervalsPath(bobAccount.id, 'GAS')}&start_date=${value}`, 400, {
        error_code: 'parameter_invalid',
        message: `start_date must be an integer number of seconds since the Unix epoch, got "${value}".`,
      });
    }

    await expectError(`${intervalsPath(bobAccount.id, 'GAS')}&end_date=soon`, 400, {
      error_code: 'parameter_invalid',
    });
  });

  it('rejects a window whose start is not before its end', async () => {
    await expectError(intervalsPath(bobAccount.id, 'GAS', 1_700_000_000, 1_700_000_000), 400, {
      error_code: 'parameter_invalid',
      message: 'start_date (1700000000) must be earlier than end_date (1700000000).',
    });
    await expectError(intervalsPath(bobAccount.id, 'GAS', 1_700_000_001, 1_700_000_000), 400, {
      error_code: 'parameter_invalid',
    });
  });

  it('rejects a type the account does not have', async () => {
    const [sceAccount] = await getOk<AccountBody[]>(sandbox, '/accounts', 'sandbox-alice-sce');

    await expectError(
      intervalsPath(sceAccount?.id ?? '', 'GAS'),
      400,
      {
        error_code: 'parameter_invalid',
        message: `Account ${sceAccount?.id ?? ''} has no GAS meter; see its available_meter_types.`,
      },
      'sandbox-alice-sce',
    );
  });

  it('rejects a meter id combined with a different account or type', async () => {
    const [electricMeter] = bobAccount.meters ?? [];
    const meter = electricMeter?.id ?? '';

    await expectError(`/intervals?meter_id=${meter}&type=GAS`, 400, {
      error_code: 'parameter_invalid',
      message: `Meter ${meter} is not a GAS meter.`,
    });
    await expectError(`/intervals?meter_id=${meter}&account_id=other`, 400, {
      error_code: 'parameter_invalid',
    });
  });

  it('answers 400 feature_unavailable for SoCalGas, which has no interval data', async () => {
    for (const type of ['GAS', 'ELECTRIC']) {
      await expectError(
        intervalsPath(gasAccount.id, type),
        400,
        {
          error_code: 'feature_unavailable',
          message: 'Interval data is not available for Southern California Gas Company.',
        },
        'sandbox-alice-socalgas',
      );
    }
  });
});
