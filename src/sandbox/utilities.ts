/**
 * The three California utilities the sandbox serves, with what Pelm supports for each and the
 * simplified tariffs the sandbox bills with. Pelm documents no utility ids; these are the
 * sandbox's own (PG&E is 1, as in Pelm's example of `GET /users/{user_id}`).
 */

/** A two-tier energy price: `baselinePerDay` units a day at the first price, the rest above. */
export interface TieredRate {
  /** Price up to the baseline, in hundredths of a cent per kWh or therm. */
  baselinePrice: number;
  /** Price above the baseline, in hundredths of a cent per kWh or therm. */
  excessPrice: number;
  /** Baseline allowance per day of the billing period, in kWh or therms. */
  baselinePerDay: number;
}

export interface SandboxTariff {
  electric: TieredRate;
  gas: TieredRate;
  /** Fixed monthly fees that are neither electric nor gas, in cents. */
  fixedOtherCents: number;
  /** Taxes and surcharges on the energy charges, in thousandths (18 = 1.8 %). */
  surchargePerMille: number;
}

export interface SandboxUtility {
  id: number;
  /** The value Connect would take as `utility_slug`. */
  slug: string;
  /** Display name, sent as `utility.full_name` and as the `utility` of `/intervals`. */
  fullName: string;
  /** Whether Pelm serves interval data for this utility; without it `/intervals` answers 400. */
  intervals: boolean;
  /** Whether electric intervals carry `ghg_emissions` (Pelm has them for PG&E and SCE only). */
  emissions: boolean;
  tariff: SandboxTariff;
}

export const PGE: SandboxUtility = {
  id: 1,
  slug: 'pge',
  fullName: 'Pacific Gas and Electric',
  intervals: true,
  emissions: true,
  tariff: {
    electric: { baselinePrice: 3_300, excessPrice: 4_150, baselinePerDay: 9 },
    gas: { baselinePrice: 24_500, excessPrice: 28_900, baselinePerDay: 2 },
    fixedOtherCents: 150,
    surchargePerMille: 18,
  },
};

export const SCE: SandboxUtility = {
  id: 2,
  slug: 'sce',
  fullName: 'Southern California Edison',
  intervals: true,
  emissions: true,
  tariff: {
    electric: { baselinePrice: 3_050, excessPrice: 3_900, baselinePerDay: 11 },
    gas: { baselinePrice: 0, excessPrice: 0, baselinePerDay: 0 },
    fixedOtherCents: 0,
    surchargePerMille: 25,
  },
};

export const SOCALGAS: SandboxUtility = {
  id: 3,
  slug: 'socalgas',
  fullName: 'Southern California Gas Company',
  intervals: false,
  emissions: false,
  tariff: {
    electric: { baselinePrice: 0, excessPrice: 0, baselinePerDay: 0 },
    gas: { baselinePrice: 19_800, excessPrice: 23_400, baselinePerDay: 2 },
    fixedOtherCents: 500,
    surchargePerMille: 12,
  },
};
