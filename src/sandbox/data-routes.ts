import { METER_TYPES, type MeterType } from '../pelm/types.js';
import { addLocalMonths } from '../time.js';
import { billBody, type SandboxBill } from './bills.js';
import type { SandboxAccount } from './accounts.js';
import { intervalsBody } from './intervals-json.js';
import { SandboxApiError, jsonResponse, type SandboxResponse } from './http.js';
import { billPdf } from './pdf.js';
import type { UserRouteContext } from './route-context.js';

/**
 * The data endpoints: accounts, intervals and bills of the token's user. Anything that is not
 * one of the user's own accounts, meters or bills answers 403, whether it belongs to another
 * user or to nobody, as Pelm cannot tell a caller which ids exist.
 */

/**
 * Months of the default `/intervals` window, counted as local calendar months in
 * America/Los_Angeles: `[now - 2 months, now)` when no date is given, `[start, start + 2 months)`
 * with only `start_date`, `[end - 2 months, end)` with only `end_date`. A day missing from the
 * target month is clamped (Apr 30 minus two months is Feb 28 or 29).
 */
export const DEFAULT_WINDOW_MONTHS = 2;

const EPOCH_SECONDS = /^-?\d{1,15}$/;

function forbidden(what: string): SandboxApiError {
  return new SandboxApiError(
    403,
    'permission_denied',
    `This access token has no access to ${what}.`,
  );
}

export function accounts(context: UserRouteContext): SandboxResponse {
  return jsonResponse(200, `[${context.user.accounts.map((account) => account.json).join(',')}]`);
}

function ownAccount(context: UserRouteContext, accountId: string): SandboxAccount {
  const account = context.user.accounts.find((candidate) => candidate.id === accountId);
  if (account === undefined) {
    throw forbidden(`account ${accountId}`);
  }

  return account;
}

function parseEpoch(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }

  if (!EPOCH_SECONDS.test(value)) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      `${name} must be an integer number of seconds since the Unix epoch, got "${value}".`,
    );
  }

  return Number(value);
}

interface Window {
  start: number;
  end: number;
}

function intervalWindow(query: Record<string, string>, now: number): Window {
  const start = parseEpoch('start_date', query.start_date);
  const end = parseEpoch('end_date', query.end_date);
  const window: Window =
    start !== undefined && end !== undefined
      ? { start, end }
      : start !== undefined
        ? { start, end: addLocalMonths(start, DEFAULT_WINDOW_MONTHS) }
        : end !== undefined
          ? { start: addLocalMonths(end, -DEFAULT_WINDOW_MONTHS), end }
          : { start: addLocalMonths(now, -DEFAULT_WINDOW_MONTHS), end: now };
  if (window.start >= window.end) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      `start_date (${window.start}) must be earlier than end_date (${window.end}).`,
    );
  }

  return window;
}

interface Selector {
  accountId: string | undefined;
  meterId: string | undefined;
  type: MeterType | undefined;
}

function parseType(value: string | undefined): MeterType | undefined {
  if (value === undefined) {
    return undefined;
  }

  const type = METER_TYPES.find((candidate) => candidate === value);
  if (type === undefined) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      `type must be ELECTRIC or GAS, got "${value}".`,
    );
  }

  return type;
}

function parseSelector(
  query: Record<string, string>,
  legacyAccountId: string | undefined,
): Selector {
  const meterId = query.meter_id === '' ? undefined : query.meter_id;
  const accountId = legacyAccountId ?? (query.account_id === '' ? undefined : query.account_id);
  // The older per-account path predates `type` and served electric data.
  const type = parseType(query.type) ?? (legacyAccountId === undefined ? undefined : 'ELECTRIC');
  if (meterId === undefined && (accountId === undefined || type === undefined)) {
    throw new SandboxApiError(
      400,
      'parameter_missing',
      'Either account_id and type, or meter_id, is required.',
    );
  }

  return { accountId, meterId, type };
}

function resolveSelector(
  context: UserRouteContext,
  selector: Selector,
): { account: SandboxAccount; type: MeterType } {
  const { meterId } = selector;
  if (meterId === undefined) {
    const account = ownAccount(context, selector.accountId ?? '');

    return { account, type: selector.type ?? 'ELECTRIC' };
  }

  for (const account of context.user.accounts) {
    const type: MeterType | undefined =
      account.electric?.meterId === meterId
        ? 'ELECTRIC'
        : account.gas?.meterId === meterId
          ? 'GAS'
          : undefined;
    if (type === undefined) {
      continue;
    }

    if (selector.accountId !== undefined && selector.accountId !== account.id) {
      throw new SandboxApiError(
        400,
        'parameter_invalid',
        `Meter ${meterId} does not belong to account ${selector.accountId}.`,
      );
    }

    if (selector.type !== undefined && selector.type !== type) {
      throw new SandboxApiError(
        400,
        'parameter_invalid',
        `Meter ${meterId} is not a ${selector.type} meter.`,
      );
    }

    return { account, type };
  }

  throw forbidden(`meter ${meterId}`);
}

/** `GET /intervals`, and `GET /accounts/{account_id}/intervals` with `legacyAccountId`. */
export function intervals(context: UserRouteContext, legacyAccountId?: string): SandboxResponse {
  const selector = parseSelector(context.query, legacyAccountId);
  const window = intervalWindow(context.query, context.now);
  const { account, type } = resolveSelector(context, selector);
  if (!account.utility.intervals) {
    throw new SandboxApiError(
      400,
      'feature_unavailable',
      `Interval data is not available for ${account.utility.fullName}.`,
    );
  }

  if ((type === 'ELECTRIC' ? account.electric : account.gas) === null) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      `Account ${account.id} has no ${type} meter; see its available_meter_types.`,
    );
  }

  return jsonResponse(
    200,
    intervalsBody(
      context.sandbox.intervalBodies,
      account,
      type,
      window.start,
      window.end,
      context.now,
    ),
  );
}

function billsOf(context: UserRouteContext, account: SandboxAccount): Record<string, unknown>[] {
  return context.sandbox.bills.bills(account, context.now).map(billBody);
}

/** `GET /bills`: one group per account (or only `account_id`'s), bills newest first. */
export function bills(context: UserRouteContext): SandboxResponse {
  const accountId = context.query.account_id;
  const selected =
    accountId === undefined ? context.user.accounts : [ownAccount(context, accountId)];
  const groups = selected.map((account) => ({
    account_id: account.id,
    bills: billsOf(context, account),
  }));

  return jsonResponse(200, JSON.stringify(groups));
}

/** `GET /accounts/{account_id}/bills`, the 2022 form: a flat array for one account. */
export function accountBills(context: UserRouteContext, accountId: string): SandboxResponse {
  return jsonResponse(200, JSON.stringify(billsOf(context, ownAccount(context, accountId))));
}

function ownBill(
  context: UserRouteContext,
  billId: string,
): { account: SandboxAccount; bill: SandboxBill } {
  const found = context.sandbox.bills.find(context.user.accounts, billId, context.now);
  if (found === undefined) {
    throw forbidden(`bill ${billId}`);
  }

  return found;
}

/** `GET /bills/{bill_id}`, the 2022 single-bill form. */
export function bill(context: UserRouteContext, billId: string): SandboxResponse {
  return jsonResponse(200, JSON.stringify(billBody(ownBill(context, billId).bill)));
}

/** `GET /bills/{bill_id}/pdf`. */
export function billPdfResponse(context: UserRouteContext, billId: string): SandboxResponse {
  const found = ownBill(context, billId);

  return {
    status: 200,
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `inline; filename="bill-${billId}.pdf"`,
    },
    body: billPdf(found.bill, found.account),
  };
}
