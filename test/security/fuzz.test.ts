import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import { createGateway, type Gateway } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { PelmError } from '../../src/pelm/errors.js';
import type { PelmSource } from '../../src/pelm/source.js';
import type { PelmAccount, PelmBill, PelmInterval } from '../../src/pelm/types.js';
import { schema } from '../../src/schema/index.js';
import { createRandom, fuzzCase } from '../helpers/fuzz-documents.js';

/** Generated documents sent before the heap baseline. */
const WARM_UP = 1_200;
/**
 * Yoga keeps up to 1,024 parsed documents and, apart, up to 1,024 parse errors. One in ten
 * generated documents is broken, so the error cache would fill slowly through the whole measured
 * run and pass for a leak; both are filled with distinct documents before the baseline.
 */
const YOGA_CACHE_FILL = 1_100;
/** Measured documents: the acceptance figure under CI, a short run everyday. */
const MEASURED = process.env.CI === 'true' ? 10_000 : 500;
const SEED = 20_240_601;

const ACCOUNTS: PelmAccount[] = ['fuzz-a', 'fuzz-b'].map((id) => ({
  id,
  accountNumber: `${id}-number`,
  address: `${id} ADDRESS`,
  availableMeterTypes: ['ELECTRIC', 'GAS'],
  usageUnit: 'kwh',
  gasUsageUnit: 'therm',
  ghgEmissionsUnit: 'kg_co2e',
  meters: [{ id: `${id}-meter` }],
}));

function bill(accountId: string, index: number): PelmBill {
  return {
    id: `${accountId}-bill-${index}`,
    accountId,
    startDate: 1_700_000_000 - index * 2_592_000,
    endDate: 1_700_000_000 - (index - 1) * 2_592_000,
    statementDate: null,
    dueDate: null,
    paymentDate: null,
    totalAmountDue: 100 + index,
    totalCharges: 100 + index,
    charges: { electric: 60, gas: 40, other: null },
    electricUsageKwh: 300,
    gasUsageTherm: 20,
  };
}

/** An in-process Pelm: instant, deterministic, with one failing bill group and capped windows. */
const source: PelmSource = {
  getAccounts: () => Promise.resolve(ACCOUNTS),
  getBills: () =>
    Promise.resolve(
      new Map<string, PelmBill[] | Error>([
        ['fuzz-a', [1, 2, 3].map((index) => bill('fuzz-a', index))],
        ['fuzz-b', new PelmError('DATA_UNAVAILABLE', 'Data is still syncing.')],
      ]),
    ),
  getIntervals: (_call, query) => {
    const start = query.startDate ?? 1_700_000_000;
    const end = Math.min(query.endDate ?? start + 86_400, start + 96 * 900);
    const intervals: PelmInterval[] = [];
    for (let at = start; at < end; at += 900) {
      intervals.push({ start: at, end: at + 900, usage: 0.25, ghgEmissions: null });
    }

    return Promise.resolve({ utility: null, type: query.type ?? null, account: null, intervals });
  },
  getUser: (_call, id) =>
    id === '0'
      ? Promise.reject(new PelmError('FORBIDDEN', 'Not your user.'))
      : Promise.resolve({ id, utility: null, utilityUsername: null, credentialsValid: true }),
};

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  return () => {
    for (let round = 0; round < 4; round += 1) {
      gc();
    }
  };
}

interface Outcome {
  status: number;
  uncoded: string[];
}

async function send(gateway: Gateway, random: ReturnType<typeof createRandom>): Promise<Outcome> {
  const fuzz = fuzzCase(random, schema);
  const response = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer fuzz-token' },
    body: JSON.stringify(fuzz),
  });
  const body = (await response.json()) as {
    errors?: Array<{ message: string; extensions?: { code?: unknown } }>;
  };
  const uncoded = (body.errors ?? [])
    .filter((error) => typeof error.extensions?.code !== 'string')
    .map((error) => `${error.message} ← ${fuzz.query.slice(0, 200)}`);

  return { status: response.status, uncoded };
}

describe('fuzzing the gateway with generated documents and variables', () => {
  it(`answers ${WARM_UP + MEASURED} documents without a 5xx, with a code on every error, and a flat heap`, async () => {
    // Truly silent: the suite's log capture would add a synchronous file write per request,
    // slowing the run and putting the capture's buffers into the heap figure.
    const gateway = createGateway({ source, logger: createLogger({ level: 'silent' }) });
    const random = createRandom(SEED);
    const statuses = new Map<number, number>();
    const uncoded: string[] = [];
    const run = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        const outcome = await send(gateway, random);
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        uncoded.push(...outcome.uncoded);
      }
    };

    const gc = collectGarbage();
    for (let index = 0; index < YOGA_CACHE_FILL; index += 1) {
      for (const query of [`{ __typename } # ${index}`, `{ __typename # ${index}`]) {
        await gateway.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
      }
    }

    await run(WARM_UP);
    gc();
    const baseline = process.memoryUsage().heapUsed;
    await run(MEASURED);
    gc();
    const after = process.memoryUsage().heapUsed;

    process.stdout.write(
      `fuzz: ${WARM_UP + MEASURED} documents, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `heap after GC ${(baseline / 1e6).toFixed(1)} MB → ${(after / 1e6).toFixed(1)} MB ` +
        `(${((after / baseline - 1) * 100).toFixed(1)} %)\n`,
    );
    const serverErrors = [...statuses].filter(([status]) => status >= 500);
    expect(serverErrors).toEqual([]);
    expect(uncoded.slice(0, 5)).toEqual([]);
    // Generated documents must reach the resolvers often, not only the parser.
    expect(statuses.get(200) ?? 0).toBeGreaterThan((WARM_UP + MEASURED) / 4);
    expect(after / baseline).toBeLessThan(1.1);
  }, 300_000);
});
