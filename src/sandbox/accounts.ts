import type { MeterType } from '../pelm/types.js';
import { fromLocalDateTime } from '../time.js';
import { digitsFor, hash32, seedOf, uuidFor } from './hash.js';
import pelmSample from './pelm-sandbox-intervals.json' with { type: 'json' };
import { PGE, SCE, SOCALGAS, type SandboxUtility } from './utilities.js';

/**
 * The sandbox's utility accounts: Pelm's two published sandbox accounts verbatim, and generated
 * ones whose ids, numbers, addresses and consumption profile all derive from the owner's user
 * id and the account's position, so they never change and never collide across users.
 */

/** What shapes a household's consumption; every field is derived from the account's seed. */
export interface UsageProfile {
  seed: number;
  /** Multiplies the whole electric curve (house size, occupants). */
  scale: number;
  /** Always-on load, kW. */
  baseKw: number;
  /** Air conditioning at the hottest hour of a hot summer day, kW. */
  acKw: number;
  /** Multiplies gas heating. */
  gasScale: number;
  /** Day of the month (1–28) on which billing periods start and end, at local midnight. */
  cycleDay: number;
}

export interface ElectricService {
  /** 900 (15-minute) or 3600 (hourly) intervals, aligned to UTC multiples of the length. */
  intervalSeconds: number;
  /** Sent in `meters` when not null. */
  meterId: string | null;
}

export interface GasService {
  meterId: string | null;
}

/** Recorded values that replace generated ones: Pelm's own sandbox sample. */
export interface IntervalOverride {
  start: number;
  step: number;
  /** Usage in ten-thousandths of the unit. */
  units: readonly number[];
  emissions: readonly number[];
}

export interface SandboxAccount {
  id: string;
  accountNumber: string;
  address: string;
  utility: SandboxUtility;
  electric: ElectricService | null;
  gas: GasService | null;
  profile: UsageProfile;
  /** Earliest data for this account, epoch seconds; null means the usual rolling history. */
  historyStart: number | null;
  override: IntervalOverride | null;
  /** The account as Pelm serialises it, for `/accounts` and the `account` of `/intervals`. */
  json: string;
}

const PELM_SANDBOX_HISTORY_START = fromLocalDateTime({ year: 2022, month: 1, day: 1 });

const CITIES: Record<string, readonly string[]> = {
  [PGE.slug]: [
    'SAN FRANCISCO CA 94117',
    'OAKLAND CA 94610',
    'BERKELEY CA 94703',
    'SAN JOSE CA 95125',
    'SACRAMENTO CA 95816',
    'FRESNO CA 93704',
    'SANTA ROSA CA 95404',
    'PALO ALTO CA 94301',
    'SAN LUIS OBISPO CA 93401',
    'CHICO CA 95926',
  ],
  [SCE.slug]: [
    'LONG BEACH CA 90803',
    'PASADENA CA 91104',
    'IRVINE CA 92614',
    'SANTA MONICA CA 90405',
    'RIVERSIDE CA 92506',
  ],
  [SOCALGAS.slug]: [
    'LOS ANGELES CA 90027',
    'GLENDALE CA 91206',
    'BAKERSFIELD CA 93309',
    'SANTA BARBARA CA 93101',
  ],
};

const STREETS: readonly string[] = [
  'OAK ST',
  'MAPLE AVE',
  'CEDAR LN',
  'WALNUT ST',
  'MADRONE DR',
  'SEQUOIA CT',
  'LINCOLN AVE',
  'EUCALYPTUS WAY',
  'HILLCREST RD',
  'PALM AVE',
  'SYCAMORE ST',
  'MONTEREY BLVD',
  'BUENA VISTA AVE',
  'ALMOND DR',
];

function pick<T>(items: readonly T[], value: number): T {
  const item = items[value % items.length];
  if (item === undefined) {
    throw new Error('Cannot pick from an empty list of sandbox fixture values.');
  }

  return item;
}

function profileFor(name: string, scale: number): UsageProfile {
  const seed = seedOf(`profile:${name}`);

  return {
    seed,
    scale: scale * (0.8 + (hash32(seed, 1) % 800) / 1000),
    baseKw: 0.22 + (hash32(seed, 2) % 250) / 1000,
    acKw: 1 + (hash32(seed, 3) % 2200) / 1000,
    gasScale: 0.6 + (hash32(seed, 4) % 350) / 1000,
    cycleDay: 1 + (hash32(seed, 5) % 28),
  };
}

function serialiseAccount(account: Omit<SandboxAccount, 'json'>): string {
  const types: MeterType[] = [];
  if (account.gas !== null) {
    types.push('GAS');
  }

  if (account.electric !== null) {
    types.push('ELECTRIC');
  }

  const body: Record<string, unknown> = {
    id: account.id,
    account_number: account.accountNumber,
    address: account.address,
    available_meter_types: types,
  };
  if (account.electric !== null) {
    body.usage_unit = 'kwh';
  }

  if (account.gas !== null) {
    body.gas_usage_unit = 'therm';
  }

  if (account.electric !== null && account.utility.emissions) {
    body.ghg_emissions_unit = 'kg_co2e';
  }

  const meters = [account.electric?.meterId, account.gas?.meterId].filter(
    (id): id is string => typeof id === 'string',
  );
  if (meters.length > 0) {
    body.meters = meters.map((id) => ({ id }));
  }

  return JSON.stringify(body);
}

function withJson(account: Omit<SandboxAccount, 'json'>): SandboxAccount {
  return { ...account, json: serialiseAccount(account) };
}

export interface GeneratedAccountSpec {
  electric: boolean;
  gas: boolean;
}

export function generatedAccount(
  userId: string,
  index: number,
  utility: SandboxUtility,
  spec: GeneratedAccountSpec,
): SandboxAccount {
  const name = `${userId}/${index}`;
  const seed = seedOf(`address:${name}`);
  const cities = CITIES[utility.slug] ?? [];

  return withJson({
    id: uuidFor(`account:${name}`),
    accountNumber: digitsFor(`account-number:${name}`, 10),
    address: `${100 + (seed % 9800)} ${pick(STREETS, hash32(seed, 1))} ${pick(cities, hash32(seed, 2))}`,
    utility,
    electric: spec.electric
      ? { intervalSeconds: 900, meterId: uuidFor(`meter:${name}:electric`) }
      : null,
    gas: spec.gas ? { meterId: uuidFor(`meter:${name}:gas`) } : null,
    profile: profileFor(name, 1),
    historyStart: null,
    override: null,
  });
}

export function pelmSandboxAccounts(): SandboxAccount[] {
  const intervals = pelmSample.intervals;
  const override: IntervalOverride = {
    start: intervals[0]?.start ?? 0,
    step: 3600,
    units: intervals.map((interval) => Math.round(interval.usage * 10_000)),
    emissions: intervals.map((interval) => interval.ghg_emissions),
  };
  const shared = { utility: PGE, historyStart: PELM_SANDBOX_HISTORY_START };

  return [
    withJson({
      ...shared,
      id: 'ea100000-0000-0000-0000-000000000000',
      accountNumber: '1077345636',
      address: '1 WARRIORS WAY SAN FRANCISCO CA 94158',
      electric: { intervalSeconds: 3600, meterId: null },
      gas: { meterId: null },
      profile: { ...profileFor('pelm-sandbox/0', 1.2), cycleDay: 1 },
      override,
    }),
    withJson({
      ...shared,
      id: 'ea200000-0000-0000-0000-000000000000',
      accountNumber: '2077345636',
      address: '1 FERRY BUILDING SAN FRANCISCO CA 94105',
      electric: { intervalSeconds: 3600, meterId: null },
      gas: null,
      profile: { ...profileFor('pelm-sandbox/1', 0.9), cycleDay: 15 },
      override: null,
    }),
  ];
}
