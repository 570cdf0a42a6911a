/**
 * Schemas of every documented Pelm response body, each mapping the upstream JSON to the
 * normalised types of `types.ts`. A body that does not fit throws (a `ZodError`, or a plain
 * `Error` from the interval fast path); nothing here returns half-parsed data.
 *
 * Two rules run through the file:
 * - Current and legacy field names are both accepted (see pelm-api.md §7.4); when both are
 *   present the current name wins.
 * - Unknown fields are stripped, never rejected: Pelm adds fields over time.
 */
import { z } from 'zod';
import type {
  EpochSeconds,
  PelmAccessToken,
  PelmAccount,
  PelmBill,
  PelmBillGroups,
  PelmConnectToken,
  PelmInterval,
  PelmIntervals,
  PelmUser,
} from './types.js';

const meterTypeSchema = z.enum(['ELECTRIC', 'GAS']);

/**
 * Epoch seconds as an integer, or as a string of digits (bill dates arrive either way).
 * Fifteen digits keep the value a safe integer; there is no 2^31 ceiling.
 */
const epochSecondsSchema = z.union([
  z.int().nonnegative(),
  z
    .string()
    .regex(/^\d{1,15}$/, 'Expected epoch seconds as a string of digits')
    .transform(Number),
]);

/** An optional number; `undefined` and `null` both become `null`. */
const optionalNumber = z
  .number()
  .nullish()
  .transform((value) => value ?? null);

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const optionalEpochSeconds = epochSecondsSchema.nullish().transform((value) => value ?? null);

/** Values an `error_code` may hold; anything else is treated as free text and not kept. */
const ERROR_CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const meterSchema = z.object({ id: z.string().min(1) });

const accountSchema = z
  .object({
    id: z.string().min(1),
    account_number: z.string(),
    address: z.string(),
    available_meter_types: z.array(meterTypeSchema).optional(),
    // Pelm's intervals page spells the key in the singular; accept a list or a single value.
    available_meter_type: z
      .union([z.array(meterTypeSchema), meterTypeSchema.transform((type) => [type])])
      .optional(),
    usage_unit: z.string().nullish(),
    // Feb 2022 accounts had one `unit` field for the electric unit.
    unit: z.string().nullish(),
    gas_usage_unit: z.string().nullish(),
    ghg_emissions_unit: z.string().nullish(),
    ghg_emission_unit: z.string().nullish(),
    meters: z.array(meterSchema).nullish(),
  })
  .transform((raw, ctx): PelmAccount => {
    const availableMeterTypes = raw.available_meter_types ?? raw.available_meter_type;
    if (availableMeterTypes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'Expected available_meter_types',
        path: ['available_meter_types'],
      });

      return z.NEVER;
    }

    return {
      id: raw.id,
      accountNumber: raw.account_number,
      address: raw.address,
      availableMeterTypes,
      usageUnit: raw.usage_unit ?? raw.unit ?? null,
      gasUsageUnit: raw.gas_usage_unit ?? null,
      ghgEmissionsUnit: raw.ghg_emissions_unit ?? raw.ghg_emission_unit ?? null,
      meters: (raw.meters ?? []).map((meter) => ({ id: meter.id })),
    };
  });

const accountListSchema = z.array(accountSchema);

/**
 * Reference schema for one interval. The hot path uses `parseIntervalList` instead, which
 * accepts and rejects exactly the same inputs but is much faster on a year of 15-minute data.
 */
export const intervalSchema = z
  .object({
    start: z.int().nonnegative(),
    end: z.int().nonnegative(),
    usage: z.number().optional(),
    // Feb 2022 intervals named the usage `value`.
    value: z.number().optional(),
    ghg_emissions: z.number().nullish(),
  })
  .transform((raw, ctx): PelmInterval => {
    const usage = raw.usage ?? raw.value;
    if (usage === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Expected a usage number', path: ['usage'] });

      return z.NEVER;
    }

    return { start: raw.start, end: raw.end, usage, ghgEmissions: raw.ghg_emissions ?? null };
  });

const intervalsEnvelopeSchema = z.object({
  utility: optionalString,
  type: meterTypeSchema.nullish().transform((value) => value ?? null),
  account: accountSchema.nullish().transform((value) => value ?? null),
  intervals: z.array(z.unknown()),
});

const chargesSchema = z.object({
  electric_charges: optionalNumber,
  gas_charges: optionalNumber,
  other_charges: optionalNumber,
});

const billSchema = z
  .object({
    id: z.string().min(1),
    account_id: optionalString,
    start_date: optionalEpochSeconds,
    end_date: optionalEpochSeconds,
    statement_date: optionalEpochSeconds,
    // Feb 2022 names of the three dates above.
    bill_start_date: optionalEpochSeconds,
    bill_end_date: optionalEpochSeconds,
    bill_statement_date: optionalEpochSeconds,
    due_date: optionalEpochSeconds,
    payment_date: optionalEpochSeconds,
    total_amount_due: optionalNumber,
    total_charges: optionalNumber,
    charges: chargesSchema.nullish().transform((value) => value ?? null),
    electric_usage_kwh: optionalNumber,
    gas_usage_therm: optionalNumber,
  })
  .transform((raw): PelmBill => ({
    id: raw.id,
    accountId: raw.account_id,
    startDate: raw.start_date ?? raw.bill_start_date,
    endDate: raw.end_date ?? raw.bill_end_date,
    statementDate: raw.statement_date ?? raw.bill_statement_date,
    dueDate: raw.due_date,
    paymentDate: raw.payment_date,
    totalAmountDue: raw.total_amount_due,
    totalCharges: raw.total_charges,
    charges:
      raw.charges === null
        ? null
        : {
            electric: raw.charges.electric_charges,
            gas: raw.charges.gas_charges,
            other: raw.charges.other_charges,
          },
    electricUsageKwh: raw.electric_usage_kwh,
    gasUsageTherm: raw.gas_usage_therm,
  }));

const billListSchema = z.array(billSchema);

const billGroupHeadSchema = z.object({ account_id: z.string().min(1) });

const userSchema = z
  .object({
    id: z.string().min(1),
    utility: z
      .object({
        id: z.union([
          z.int(),
          z
            .string()
            .regex(/^\d{1,15}$/)
            .transform(Number),
        ]),
        full_name: z.string(),
      })
      .nullish(),
    utility_username: optionalString,
    credentials_valid: z
      .boolean()
      .nullish()
      .transform((value) => value ?? null),
  })
  .transform((raw): PelmUser => ({
    id: raw.id,
    utility: raw.utility == null ? null : { id: raw.utility.id, fullName: raw.utility.full_name },
    utilityUsername: raw.utility_username,
    credentialsValid: raw.credentials_valid,
  }));

const connectTokenSchema = z
  .object({
    connect_token: z.string().min(1),
    // Documented as a string, shown as a number: take either.
    expires_in: z
      .union([
        z.number().nonnegative(),
        z
          .string()
          .regex(/^\d{1,15}$/)
          .transform(Number),
      ])
      .nullish()
      .transform((value) => value ?? null),
  })
  .transform((raw): PelmConnectToken => ({
    connectToken: raw.connect_token,
    expiresIn: raw.expires_in,
  }));

// The refresh fields next to `access_token` are legacy; Pelm's docs say to ignore them.
const accessTokenSchema = z
  .object({ access_token: z.string().min(1) })
  .transform((raw): PelmAccessToken => ({ accessToken: raw.access_token }));

/** `GET /accounts`: a bare array of accounts. */
export function parseAccounts(body: unknown): PelmAccount[] {
  return accountListSchema.parse(body);
}

/** `GET /intervals` (and its older per-account path). */
export function parseIntervals(body: unknown): PelmIntervals {
  const envelope = intervalsEnvelopeSchema.parse(body);

  return {
    utility: envelope.utility,
    type: envelope.type,
    account: envelope.account,
    intervals: parseIntervalList(envelope.intervals),
  };
}

/** Thrown by the interval fast path; the message names the path, never the value. */
export class IntervalShapeError extends Error {
  override name = 'IntervalShapeError';
  readonly path: (string | number)[];

  constructor(path: (string | number)[], expected: string) {
    super(`Invalid interval at intervals.${path.join('.')}: expected ${expected}.`);
    this.path = path;
  }
}

function isEpochSeconds(value: unknown): value is EpochSeconds {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Hand-written equivalent of `z.array(intervalSchema)`. A year of 15-minute data is 35,040
 * entries, and zod's generic walk over them costs several times this loop (see the payloads
 * test for the measurement); the rules are the same and the tests hold both to them.
 */
export function parseIntervalList(items: readonly unknown[]): PelmInterval[] {
  const intervals = new Array<PelmInterval>(items.length);
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new IntervalShapeError([index], 'an object');
    }

    const raw = item as Record<string, unknown>;
    const { start, end, ghg_emissions: ghgEmissions } = raw;
    if (!isEpochSeconds(start)) {
      throw new IntervalShapeError([index, 'start'], 'non-negative integer epoch seconds');
    }

    if (!isEpochSeconds(end)) {
      throw new IntervalShapeError([index, 'end'], 'non-negative integer epoch seconds');
    }

    const usage = raw.usage === undefined ? raw.value : raw.usage;
    if (!isFiniteNumber(usage)) {
      throw new IntervalShapeError([index, 'usage'], 'a finite number');
    }

    // `value` is checked even when `usage` wins, as the zod schema does.
    if (raw.usage !== undefined && raw.value !== undefined && !isFiniteNumber(raw.value)) {
      throw new IntervalShapeError([index, 'value'], 'a finite number');
    }

    if (ghgEmissions != null && !isFiniteNumber(ghgEmissions)) {
      throw new IntervalShapeError([index, 'ghg_emissions'], 'a finite number or null');
    }

    intervals[index] = { start, end, usage, ghgEmissions: ghgEmissions ?? null };
  }

  return intervals;
}

/** A flat array of bills: the legacy `GET /accounts/{account_id}/bills` body, and each group. */
export function parseBills(body: unknown): PelmBill[] {
  return billListSchema.parse(body);
}

/**
 * `GET /bills`: an array of `{ account_id, bills }` groups. Each group's bills are validated on
 * their own, so a group that does not fit becomes an `Error` for that account alone. The body as
 * a whole must still be an array of objects with an `account_id`; otherwise no bill can be
 * attributed and the whole call fails.
 */
export function parseBillGroups(body: unknown): PelmBillGroups {
  if (!Array.isArray(body)) {
    throw new TypeError('Expected the bills body to be an array of account groups.');
  }

  const groups: PelmBillGroups = new Map();
  for (const entry of body) {
    const accountId = billGroupHeadSchema.parse(entry).account_id;
    const parsed = billListSchema.safeParse((entry as { bills?: unknown }).bills);
    const bills: PelmBill[] | Error = parsed.success ? parsed.data : parsed.error;
    groups.set(accountId, mergeGroup(groups.get(accountId), bills));
  }

  return groups;
}

/** Two groups for one account are joined; an error in either spoils both. */
function mergeGroup(
  previous: PelmBill[] | Error | undefined,
  next: PelmBill[] | Error,
): PelmBill[] | Error {
  if (previous === undefined || previous instanceof Error) {
    return previous ?? next;
  }

  return next instanceof Error ? next : [...previous, ...next];
}

/** `GET /users/{user_id}`. */
export function parseUser(body: unknown): PelmUser {
  return userSchema.parse(body);
}

/** `POST /auth/connect-token`. */
export function parseConnectToken(body: unknown): PelmConnectToken {
  return connectTokenSchema.parse(body);
}

/** `POST /auth/token`. */
export function parseAccessToken(body: unknown): PelmAccessToken {
  return accessTokenSchema.parse(body);
}

/**
 * The `error_code` of an error body (or the early-2022 `error` field), or `undefined`. Only a
 * short identifier-like value counts: free text from upstream must not travel on in our errors.
 */
export function parseErrorBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return undefined;
  }

  const { error_code: errorCode, error } = body as Record<string, unknown>;
  for (const candidate of [errorCode, error]) {
    if (typeof candidate === 'string' && ERROR_CODE_PATTERN.test(candidate)) {
      return candidate;
    }
  }

  return undefined;
}
