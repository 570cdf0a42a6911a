import type { Sandbox } from '../../src/sandbox/server.js';

/** The pinned sandbox clock of these tests: Thursday 2026-12-03 11:40 in Los Angeles. */
export const NOW = Date.parse('2026-12-03T19:40:00Z') / 1000;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface CallOptions {
  token?: string | null;
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams | FormData;
}

/** One request to the sandbox, with `Authorization: Bearer <token>` unless `token` is null. */
export async function call(
  sandbox: Sandbox,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? 'sandbox-bob' : options.token;
  if (token !== null) {
    headers.authorization = `Bearer ${token}`;
  }

  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.body !== undefined) {
    init.body = options.body;
  }

  const response = await fetch(`${sandbox.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }

  return { status: response.status, headers: response.headers, text, json };
}

export interface AccountBody {
  id: string;
  account_number: string;
  address: string;
  available_meter_types: string[];
  usage_unit?: string;
  gas_usage_unit?: string;
  ghg_emissions_unit?: string;
  meters?: { id: string }[];
}

export interface IntervalBody {
  start: number;
  end: number;
  usage: number;
  ghg_emissions?: number;
}

export interface IntervalsBody {
  utility: string;
  type: string;
  account: AccountBody;
  intervals: IntervalBody[];
}

export interface BillBody {
  id: string;
  account_id: string;
  start_date: number;
  end_date: number;
  statement_date: number;
  due_date: number;
  payment_date: number | null;
  total_amount_due: number;
  total_charges: number;
  charges: { electric_charges: number; gas_charges: number; other_charges: number };
  electric_usage_kwh: number | null;
  gas_usage_therm: number | null;
}

export interface BillGroup {
  account_id: string;
  bills: BillBody[];
}

/** GETs a path that must answer 200 and returns the parsed body. */
export async function getOk<T>(sandbox: Sandbox, path: string, token = 'sandbox-bob'): Promise<T> {
  const reply = await call(sandbox, path, { token });
  if (reply.status !== 200) {
    throw new Error(`GET ${path} answered ${reply.status}: ${reply.text}`);
  }

  return reply.json as T;
}

export function intervalsPath(
  accountId: string,
  type: string,
  start?: number,
  end?: number,
): string {
  const query = new URLSearchParams({ account_id: accountId, type });
  if (start !== undefined) {
    query.set('start_date', String(start));
  }

  if (end !== undefined) {
    query.set('end_date', String(end));
  }

  return `/intervals?${query.toString()}`;
}

/** A usage or amount as an integer count of its smallest unit, to compare sums exactly. */
export function scaled(value: number, decimals: number): number {
  return Math.round(value * 10 ** decimals);
}
