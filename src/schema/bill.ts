import type { EpochSeconds, PelmBill } from '../pelm/types.js';
import { builder } from './builder.js';
import { EnergyUnitEnum, type EnergyUnit } from './units.js';

interface Money {
  amount: number;
  currency: 'USD';
}

interface Usage {
  value: number;
  unit: EnergyUnit;
}

const CurrencyEnum = builder.enumType('Currency', {
  description: 'ISO 4217 currency code.',
  values: {
    USD: { description: 'US dollar. Pelm states no currency; its utilities bill in USD.' },
  },
});

const MoneyRef = builder.objectRef<Money>('Money');

MoneyRef.implement({
  description: 'An exact amount of money.',
  fields: (t) => ({
    amount: t.expose('amount', {
      type: 'Decimal',
      description: 'The amount as Pelm sent it, as an exact decimal string (e.g. "182.44").',
    }),
    currency: t.expose('currency', { type: CurrencyEnum, description: 'The currency.' }),
  }),
});

const UsageRef = builder.objectRef<Usage>('Usage');

UsageRef.implement({
  description: 'An amount of energy with its unit.',
  fields: (t) => ({
    value: t.exposeFloat('value', { description: 'The amount, in `unit`.' }),
    unit: t.expose('unit', { type: EnergyUnitEnum, description: 'The unit of `value`.' }),
  }),
});

const ChargesRef = builder.objectRef<NonNullable<PelmBill['charges']>>('BillCharges');

ChargesRef.implement({
  description: 'How a bill’s charges split between services.',
  fields: (t) => ({
    electric: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Charges for electricity.',
      resolve: (charges) => money(charges.electric),
    }),
    gas: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Charges for gas.',
      resolve: (charges) => money(charges.gas),
    }),
    other: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Taxes, fees and anything not tied to a service.',
      resolve: (charges) => money(charges.other),
    }),
  }),
});

export const BillRef = builder.objectRef<PelmBill>('Bill');

BillRef.implement({
  description:
    'One utility bill of an account. Pelm may leave any field but `id` out, so the others are ' +
    'nullable.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "Pelm's bill id, unchanged." }),
    accountId: t.id({
      nullable: true,
      description: 'Id of the account the bill belongs to.',
      resolve: (bill) => bill.accountId,
    }),
    startDate: t.expose('startDate', {
      type: 'DateTime',
      nullable: true,
      description: 'Start of the service period.',
    }),
    endDate: t.expose('endDate', {
      type: 'DateTime',
      nullable: true,
      description: 'End of the service period.',
    }),
    statementDate: t.expose('statementDate', {
      type: 'DateTime',
      nullable: true,
      description: 'When the utility issued the bill.',
    }),
    dueDate: t.expose('dueDate', {
      type: 'DateTime',
      nullable: true,
      description: 'When payment is due.',
    }),
    paymentDate: t.expose('paymentDate', {
      type: 'DateTime',
      nullable: true,
      description: 'When the bill was paid; null while unpaid.',
    }),
    totalAmountDue: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'What the bill asks to be paid.',
      resolve: (bill) => money(bill.totalAmountDue),
    }),
    totalCharges: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'Sum of the charges of the period.',
      resolve: (bill) => money(bill.totalCharges),
    }),
    charges: t.field({
      type: ChargesRef,
      nullable: true,
      description: 'The charges split by service.',
      resolve: (bill) => bill.charges,
    }),
    electricUsage: t.field({
      type: UsageRef,
      nullable: true,
      description: 'Electricity used in the period.',
      resolve: (bill) => usage(bill.electricUsageKwh, 'KWH'),
    }),
    gasUsage: t.field({
      type: UsageRef,
      nullable: true,
      description: 'Gas used in the period.',
      resolve: (bill) => usage(bill.gasUsageTherm, 'THERM'),
    }),
  }),
});

function money(amount: number | null): Money | null {
  return amount === null ? null : { amount, currency: 'USD' };
}

function usage(value: number | null, unit: EnergyUnit): Usage | null {
  return value === null ? null : { value, unit };
}

/**
 * Bills whose service period overlaps `[from, to)`, newest first, at most `limit` of them.
 * A bill without dates is kept only when no date bound is given.
 */
export function selectBills(
  bills: readonly PelmBill[],
  from: EpochSeconds | undefined,
  to: EpochSeconds | undefined,
  limit: number | undefined,
): PelmBill[] {
  const inRange = bills.filter((bill) => overlaps(bill, from, to));
  inRange.sort((a, b) => periodKey(b) - periodKey(a));

  return limit === undefined ? inRange : inRange.slice(0, limit);
}

function overlaps(bill: PelmBill, from: EpochSeconds | undefined, to: EpochSeconds | undefined) {
  if (from === undefined && to === undefined) {
    return true;
  }

  const start = bill.startDate ?? bill.endDate ?? bill.statementDate;
  const end = bill.endDate ?? bill.statementDate ?? bill.startDate;
  if (start === null || end === null) {
    return false;
  }

  return (to === undefined || start < to) && (from === undefined || end > from);
}

/** Newest first by period start, then statement date; undated bills last. */
function periodKey(bill: PelmBill): number {
  return bill.startDate ?? bill.statementDate ?? bill.endDate ?? Number.MIN_SAFE_INTEGER;
}
