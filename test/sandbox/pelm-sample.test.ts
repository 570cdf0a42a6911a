import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NOW, call, getOk, intervalsPath, type IntervalsBody } from './helpers.js';
import sampleAccounts from './samples/accounts.sandbox.json' with { type: 'json' };
import sampleIntervals from './samples/intervals.electric.sandbox.json' with { type: 'json' };

const TOKEN = 'sandbox-pelm';
const SAMPLE_START = 1_654_646_400;
const SAMPLE_END = 1_655_038_800;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});

afterAll(async () => {
  await sandbox.close();
});

describe("Pelm's public sandbox user (sandbox-pelm)", () => {
  it('lists exactly the two accounts of the published sample', async () => {
    const reply = await call(sandbox, '/accounts', { token: TOKEN });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.json).toStrictEqual(sampleAccounts);
    // Key order too: a byte-level copy of what Pelm printed, not just the same values.
    expect(reply.text).toBe(JSON.stringify(sampleAccounts));
  });

  it('answers the sample window with the published intervals, all 109 of them', async () => {
    const body = await getOk<IntervalsBody>(
      sandbox,
      intervalsPath(sampleAccounts[0]?.id ?? '', 'ELECTRIC', SAMPLE_START, SAMPLE_END),
      TOKEN,
    );

    expect(body.intervals).toHaveLength(109);
    expect(body).toStrictEqual(sampleIntervals);
  });

  it('answers the same window through the legacy per-account path', async () => {
    const legacy = await getOk<IntervalsBody>(
      sandbox,
      `/accounts/${sampleAccounts[0]?.id ?? ''}/intervals?start_date=${SAMPLE_START}&end_date=${SAMPLE_END}`,
      TOKEN,
    );

    expect(legacy).toStrictEqual(sampleIntervals);
  });

  it('continues the hourly series with generated values on both sides of the sample', async () => {
    const body = await getOk<IntervalsBody>(
      sandbox,
      intervalsPath(
        sampleAccounts[0]?.id ?? '',
        'ELECTRIC',
        SAMPLE_START - 24 * 3600,
        SAMPLE_END + 24 * 3600,
      ),
      TOKEN,
    );

    expect(body.intervals).toHaveLength(109 + 48);
    for (const [index, interval] of body.intervals.entries()) {
      expect(interval.start).toBe(SAMPLE_START - 24 * 3600 + index * 3600);
      expect(interval.end - interval.start).toBe(3600);
      expect(interval.usage).toBeGreaterThan(0);
      expect(interval.ghg_emissions).toBeGreaterThan(0);
    }

    expect(body.intervals.slice(24, 24 + 109)).toStrictEqual(sampleIntervals.intervals);
  });

  it('serves the electric-only second account hourly and refuses its gas', async () => {
    const second = sampleAccounts[1]?.id ?? '';
    const body = await getOk<IntervalsBody>(
      sandbox,
      intervalsPath(second, 'ELECTRIC', SAMPLE_START, SAMPLE_START + 86_400),
      TOKEN,
    );
    const gas = await call(sandbox, intervalsPath(second, 'GAS'), { token: TOKEN });

    expect(body.account).toStrictEqual(sampleAccounts[1]);
    expect(body.intervals).toHaveLength(24);
    expect(gas.status).toBe(400);
    expect(gas.json).toMatchObject({ error_code: 'parameter_invalid' });
  });

  it('describes the user as a valid PG&E login', async () => {
    const reply = await call(sandbox, '/users/pelm-sandbox-user', { token: TOKEN });

    expect(reply.json).toStrictEqual({
      id: 'pelm-sandbox-user',
      utility: { id: 1, full_name: 'Pacific Gas and Electric' },
      utility_username: 'user@pelm.com',
      credentials_valid: true,
    });
  });
});
