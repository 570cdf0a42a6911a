/**
 * Pelm data as the rest of the gateway sees it: parsed, validated and normalised from the
 * upstream JSON (see `payloads.ts`). Field names are camelCase; times stay epoch seconds
 * (the GraphQL layer turns them into ISO-8601); absent upstream fields are `null`.
 */

/** The two meter types Pelm knows. */
export type MeterType = 'ELECTRIC' | 'GAS';

export const METER_TYPES: readonly MeterType[] = ['ELECTRIC', 'GAS'];

/** Epoch seconds, as Pelm sends every time value. */
export type EpochSeconds = number;

export interface PelmMeter {
  id: string;
}

export interface PelmAccount {
  /** Pelm's account id, passed unchanged as `account_id`. */
  id: string;
  accountNumber: string;
  address: string;
  availableMeterTypes: MeterType[];
  /** Unit of electric usage, `"kwh"` in every known response. */
  usageUnit: string | null;
  /** Unit of gas usage, `"therm"`; present only for accounts with gas. */
  gasUsageUnit: string | null;
  /** Unit of interval emissions, `"kg_co2e"`. */
  ghgEmissionsUnit: string | null;
  /** Empty when Pelm sent no `meters` (responses before December 2022 have none). */
  meters: PelmMeter[];
}

export interface PelmInterval {
  start: EpochSeconds;
  end: EpochSeconds;
  /** In the account's unit for the interval type. */
  usage: number;
  /** kg CO2e, where Pelm has emissions (PG&E and SCE electric). */
  ghgEmissions: number | null;
}

export interface PelmIntervals {
  utility: string | null;
  type: MeterType | null;
  account: PelmAccount | null;
  intervals: PelmInterval[];
}

export interface PelmCharges {
  electric: number | null;
  gas: number | null;
  other: number | null;
}

/** One bill. Every field but `id` may be missing upstream, so every other field is nullable. */
export interface PelmBill {
  id: string;
  accountId: string | null;
  startDate: EpochSeconds | null;
  endDate: EpochSeconds | null;
  statementDate: EpochSeconds | null;
  dueDate: EpochSeconds | null;
  paymentDate: EpochSeconds | null;
  /** US dollars, as the JSON number Pelm sent. */
  totalAmountDue: number | null;
  totalCharges: number | null;
  charges: PelmCharges | null;
  electricUsageKwh: number | null;
  gasUsageTherm: number | null;
}

/**
 * `GET /bills` answers one group per account. Each group is validated on its own: a group
 * that does not fit the documented shape becomes an error for that account only.
 */
export type PelmBillGroups = Map<string, PelmBill[] | Error>;

export interface PelmUtility {
  id: number;
  fullName: string;
}

export interface PelmUser {
  id: string;
  utility: PelmUtility | null;
  utilityUsername: string | null;
  credentialsValid: boolean | null;
}

export interface PelmConnectToken {
  connectToken: string;
  /** Seconds the connect token stays usable (1800 in Pelm's docs). */
  expiresIn: number | null;
}

export interface PelmAccessToken {
  accessToken: string;
}

export interface PelmBillPdf {
  contentType: string;
  body: Uint8Array;
}
