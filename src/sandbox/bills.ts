import { LRUCache } from 'lru-cache';
import { addLocalDays, fromLocalDateTime, toLocalDateTime } from '../time.js';
import type { SandboxAccount } from './accounts.js';
import { sumUsageUnits, unitsToUsage } from './generate.js';
import { hash32, uuidFor } from './hash.js';
import type { TieredRate } from './utilities.js';

/**
 * Monthly bills. A billing period runs from local midnight on the account's cycle day to the
 * same day of the next month; its usage is the exact sum of the account's intervals over
 * `[start_date, end_date)`, and every amount is computed in integer cents so the charges add up
 * to the total to the cent.
 */

/** Bills kept per account, newest first: two years and two months. */
export const BILLS_PER_ACCOUNT = 26;

/** A bill is issued this many local days after its period ends. */
const STATEMENT_DELAY_DAYS = 2;
/** Payment is due this many local days after the statement. */
const DUE_DELAY_DAYS = 21;
const DAY = 86_400;

export interface SandboxBill {
  id: string;
  accountId: string;
  startDate: number;
  endDate: number;
  statementDate: number;
  dueDate: number;
  /** Null for the newest bill and for any payment the clock has not reached. */
  paymentDate: number | null;
  /** Ten-thousandths of a kWh; null for an account without electric service. */
  electricUnits: number | null;
  /** Ten-thousandths of a therm; null for an account without gas service. */
  gasUnits: number | null;
  electricCents: number;
  gasCents: number;
  otherCents: number;
  totalCents: number;
}

interface BillingPeriod {
  id: string;
  start: number;
  end: number;
}

type BillAmounts = Pick<
  SandboxBill,
  'electricUnits' | 'gasUnits' | 'electricCents' | 'gasCents' | 'otherCents' | 'totalCents'
>;

function cycleBoundary(monthIndex: number, cycleDay: number): number {
  const year = Math.floor(monthIndex / 12);

  return fromLocalDateTime({ year, month: monthIndex - year * 12 + 1, day: cycleDay });
}

/**
 * The account's last `BILLS_PER_ACCOUNT` billing periods whose statement was issued by `now`,
 * newest first.
 */
export function billingPeriods(account: SandboxAccount, now: number): BillingPeriod[] {
  const { cycleDay } = account.profile;
  const local = toLocalDateTime(now);
  let newest = local.year * 12 + local.month - 1;
  while (addLocalDays(cycleBoundary(newest, cycleDay), STATEMENT_DELAY_DAYS) > now) {
    newest -= 1;
  }

  return Array.from({ length: BILLS_PER_ACCOUNT }, (_, age) => {
    const start = cycleBoundary(newest - age - 1, cycleDay);

    return {
      id: uuidFor(`bill:${account.id}:${start}`),
      start,
      end: cycleBoundary(newest - age, cycleDay),
    };
  });
}

/** Cents for `units` ten-thousandths of a kWh or therm over `days` days at a tiered rate. */
function tieredCents(units: number, rate: TieredRate, days: number): number {
  const baseline = rate.baselinePerDay * days * 10_000;
  const inside = Math.min(units, baseline);
  const above = units - inside;

  // Prices are hundredths of a cent per unit and usage ten-thousandths of a unit: 10^6 apart.
  return Math.round((inside * rate.baselinePrice + above * rate.excessPrice) / 1_000_000);
}

/** Computes and remembers bill amounts, the costly part: each sums a month of intervals. */
export class BillBook {
  #amounts = new LRUCache<string, BillAmounts>({ max: 50_000 });

  #amountsFor(account: SandboxAccount, period: BillingPeriod, now: number): BillAmounts {
    const cached = this.#amounts.get(period.id);
    if (cached !== undefined) {
      return cached;
    }

    const { tariff } = account.utility;
    const days = Math.round((period.end - period.start) / DAY);
    const electricUnits =
      account.electric === null
        ? null
        : sumUsageUnits(account, 'ELECTRIC', period.start, period.end, now);
    const gasUnits =
      account.gas === null ? null : sumUsageUnits(account, 'GAS', period.start, period.end, now);
    const electricCents =
      electricUnits === null ? 0 : tieredCents(electricUnits, tariff.electric, days);
    const gasCents = gasUnits === null ? 0 : tieredCents(gasUnits, tariff.gas, days);
    const otherCents =
      tariff.fixedOtherCents +
      Math.round(((electricCents + gasCents) * tariff.surchargePerMille) / 1000);
    const amounts: BillAmounts = {
      electricUnits,
      gasUnits,
      electricCents,
      gasCents,
      otherCents,
      totalCents: electricCents + gasCents + otherCents,
    };
    this.#amounts.set(period.id, amounts);

    return amounts;
  }

  #bill(account: SandboxAccount, period: BillingPeriod, age: number, now: number): SandboxBill {
    const statementDate = addLocalDays(period.end, STATEMENT_DELAY_DAYS);
    const dueDate = addLocalDays(statementDate, DUE_DELAY_DAYS);
    const paidAfterDays = 3 + (hash32(account.profile.seed, period.start) % 15);
    const paid = addLocalDays(statementDate, paidAfterDays);

    return {
      id: period.id,
      accountId: account.id,
      startDate: period.start,
      endDate: period.end,
      statementDate,
      dueDate,
      paymentDate: age > 0 && paid <= now ? paid : null,
      ...this.#amountsFor(account, period, now),
    };
  }

  /** The account's bills, newest first. */
  bills(account: SandboxAccount, now: number): SandboxBill[] {
    return billingPeriods(account, now).map((period, age) => this.#bill(account, period, age, now));
  }

  /** The bill with this id among the accounts' current bills, or undefined. */
  find(
    accounts: readonly SandboxAccount[],
    billId: string,
    now: number,
  ): { account: SandboxAccount; bill: SandboxBill } | undefined {
    for (const account of accounts) {
      const periods = billingPeriods(account, now);
      const age = periods.findIndex((period) => period.id === billId);
      const period = periods[age];
      if (period !== undefined) {
        return { account, bill: this.#bill(account, period, age, now) };
      }
    }

    return undefined;
  }
}

/** The bill as Pelm serialises it (`GET /bills`), dates in epoch seconds and amounts in USD. */
export function billBody(bill: SandboxBill): Record<string, unknown> {
  return {
    id: bill.id,
    account_id: bill.accountId,
    start_date: bill.startDate,
    end_date: bill.endDate,
    statement_date: bill.statementDate,
    due_date: bill.dueDate,
    payment_date: bill.paymentDate,
    total_amount_due: bill.totalCents / 100,
    total_charges: bill.totalCents / 100,
    charges: {
      electric_charges: bill.electricCents / 100,
      gas_charges: bill.gasCents / 100,
      other_charges: bill.otherCents / 100,
    },
    electric_usage_kwh: bill.electricUnits === null ? null : unitsToUsage(bill.electricUnits),
    gas_usage_therm: bill.gasUnits === null ? null : unitsToUsage(bill.gasUnits),
  };
}
