import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { addLocalDays, startOfLocalDay } from '../../src/time.js';
import {
  NOW,
  call,
  getOk,
  intervalsPath,
  scaled,
  type AccountBody,
  type BillBody,
  type BillGroup,
  type IntervalsBody,
} from './helpers.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});

afterAll(async () => {
  await sandbox.close();
});

async function billsOf(token: string): Promise<BillGroup[]> {
  return getOk<BillGroup[]>(sandbox, '/bills', token);
}

async function usageUnits(
  token: string,
  accountId: string,
  type: string,
  bill: BillBody,
): Promise<number> {
  const body = await getOk<IntervalsBody>(
    sandbox,
    intervalsPath(accountId, type, bill.start_date, bill.end_date),
    token,
  );

  return body.intervals.reduce((sum, interval) => sum + scaled(interval.usage, 4), 0);
}

describe('GET /bills', () => {
  it("groups bills by account, in the order of the user's accounts", async () => {
    const accounts = await getOk<AccountBody[]>(sandbox, '/accounts');
    const groups = await billsOf('sandbox-bob');

    expect(groups.map((group) => group.account_id)).toEqual(accounts.map((account) => account.id));
    for (const group of groups) {
      expect(group.bills.every((bill) => bill.account_id === group.account_id)).toBe(true);
    }
  });

  it('keeps 26 monthly bills per account, newest first and back to back', async () => {
    for (const group of await billsOf('sandbox-bob')) {
      expect(group.bills).toHaveLength(26);
      for (const [index, bill] of group.bills.entries()) {
        const older = group.bills[index + 1];
        if (older !== undefined) {
          expect(older.end_date).toBe(bill.start_date);
        }

        expect(startOfLocalDay(bill.start_date)).toBe(bill.start_date);
        expect(startOfLocalDay(bill.end_date)).toBe(bill.end_date);
        const days = (bill.end_date - bill.start_date) / 86_400;
        expect(days).toBeGreaterThanOrEqual(28 - 1 / 24);
        expect(days).toBeLessThanOrEqual(31 + 1 / 24);
      }
    }
  });

  it('issues statements two days after the period, due three weeks later', async () => {
    for (const group of await billsOf('sandbox-bob')) {
      const [newest, ...older] = group.bills;

      expect(newest?.statement_date).toBeLessThanOrEqual(NOW);
      expect(newest?.payment_date).toBeNull();
      for (const bill of group.bills) {
        expect(bill.statement_date).toBe(addLocalDays(bill.end_date, 2));
        expect(bill.due_date).toBe(addLocalDays(bill.statement_date, 21));
      }

      for (const bill of older) {
        expect(bill.payment_date).not.toBeNull();
        expect(bill.payment_date ?? 0).toBeGreaterThan(bill.statement_date);
        expect(bill.payment_date ?? 0).toBeLessThanOrEqual(Math.min(bill.due_date, NOW));
      }
    }
  });

  it('adds the charges up to the total to the cent', async () => {
    const groups = [
      ...(await billsOf('sandbox-bob')),
      ...(await billsOf('sandbox-alice-sce')),
      ...(await billsOf('sandbox-alice-socalgas')),
      ...(await billsOf('sandbox-pelm')),
    ];
    for (const bill of groups.flatMap((group) => group.bills)) {
      const { electric_charges, gas_charges, other_charges } = bill.charges;

      expect(scaled(bill.total_charges, 2)).toBe(
        scaled(electric_charges, 2) + scaled(gas_charges, 2) + scaled(other_charges, 2),
      );
      expect(bill.total_amount_due).toBe(bill.total_charges);
      for (const amount of [bill.total_charges, electric_charges, gas_charges, other_charges]) {
        expect(scaled(amount, 2) / 100).toBe(amount);
      }

      expect(bill.total_charges).toBeGreaterThan(0);
    }
  });

  it('bills exactly the electric and gas usage of the intervals in each period', async () => {
    const [group] = await billsOf('sandbox-bob');
    for (const bill of group?.bills ?? []) {
      const electric = await usageUnits('sandbox-bob', bill.account_id, 'ELECTRIC', bill);
      const gas = await usageUnits('sandbox-bob', bill.account_id, 'GAS', bill);

      expect(scaled(bill.electric_usage_kwh ?? -1, 4)).toBe(electric);
      expect(scaled(bill.gas_usage_therm ?? -1, 4)).toBe(gas);
      expect(electric).toBeGreaterThan(0);
    }
  });

  it('bills the hourly series of the Pelm sandbox user the same way', async () => {
    for (const group of await billsOf('sandbox-pelm')) {
      for (const bill of group.bills.slice(0, 3)) {
        expect(scaled(bill.electric_usage_kwh ?? -1, 4)).toBe(
          await usageUnits('sandbox-pelm', group.account_id, 'ELECTRIC', bill),
        );
      }
    }
  });

  it('leaves gas usage null for an electric-only account and electric null for gas-only', async () => {
    const [sce] = await billsOf('sandbox-alice-sce');
    const [socalgas] = await billsOf('sandbox-alice-socalgas');

    for (const bill of sce?.bills ?? []) {
      expect(bill.gas_usage_therm).toBeNull();
      expect(bill.charges.gas_charges).toBe(0);
    }

    for (const bill of socalgas?.bills ?? []) {
      expect(bill.electric_usage_kwh).toBeNull();
      expect(bill.charges.electric_charges).toBe(0);
      expect(bill.gas_usage_therm).toBeGreaterThan(0);
    }

    expect(sce?.bills).toHaveLength(26);
    expect(socalgas?.bills).toHaveLength(26);
  });

  it('filters to one account with account_id and refuses an account of another user', async () => {
    const groups = await billsOf('sandbox-bob');
    const second = groups[1];
    const [alice] = await billsOf('sandbox-alice-sce');
    const one = await getOk<BillGroup[]>(sandbox, `/bills?account_id=${second?.account_id ?? ''}`);
    const foreign = await call(sandbox, `/bills?account_id=${alice?.account_id ?? ''}`);

    expect(one).toStrictEqual([second]);
    expect(foreign.status).toBe(403);
    expect(foreign.json).toStrictEqual({
      error_code: 'permission_denied',
      message: `This access token has no access to account ${alice?.account_id ?? ''}.`,
    });
  });

  it('serves the 2022 per-account and single-bill forms with the same bills', async () => {
    const [group] = await billsOf('sandbox-bob');
    const flat = await getOk<BillBody[]>(sandbox, `/accounts/${group?.account_id ?? ''}/bills`);
    const newest = group?.bills[0];
    const single = await getOk<BillBody>(sandbox, `/bills/${newest?.id ?? ''}`);

    expect(flat).toStrictEqual(group?.bills);
    expect(single).toStrictEqual(newest);
  });
});

describe('GET /bills/{bill_id}/pdf', () => {
  it('answers a small valid PDF naming the bill', async () => {
    const [group] = await billsOf('sandbox-bob');
    const bill = group?.bills[3];
    const response = await fetch(`${sandbox.url}/bills/${bill?.id ?? ''}/pdf`, {
      headers: { authorization: 'Bearer sandbox-bob' },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('latin1');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.endsWith('%%EOF\n')).toBe(true);
    expect(text).toContain(`Bill ${bill?.id ?? ''}`);
    expect(text).toContain(`Total amount due: $${bill?.total_amount_due.toFixed(2) ?? ''}`);
    expect(bytes.length).toBeLessThan(4096);

    // Every cross-reference offset must point at the start of its object.
    const xrefAt = Number(/startxref\n(\d+)\n/.exec(text)?.[1]);
    const offsets = [...text.slice(xrefAt).matchAll(/^(\d{10}) 00000 n $/gm)].map((match) =>
      Number(match[1]),
    );

    expect(text.slice(xrefAt, xrefAt + 4)).toBe('xref');
    expect(offsets).toHaveLength(5);
    offsets.forEach((offset, index) => {
      expect(text.slice(offset, offset + 8)).toBe(`${index + 1} 0 obj\n`);
    });
  });

  it('answers the same bytes each time', async () => {
    const [group] = await billsOf('sandbox-bob');
    const path = `/bills/${group?.bills[0]?.id ?? ''}/pdf`;
    const first = await call(sandbox, path);
    const second = await call(sandbox, path);

    expect(second.text).toBe(first.text);
  });

  it("refuses another user's bill and an unknown bill with 403", async () => {
    const [alice] = await billsOf('sandbox-alice-sce');
    const foreignId = alice?.bills[0]?.id ?? '';
    const foreign = await call(sandbox, `/bills/${foreignId}/pdf`);
    const unknown = await call(sandbox, '/bills/00000000-0000-0000-0000-000000000000/pdf');

    expect(foreign.status).toBe(403);
    expect(foreign.json).toStrictEqual({
      error_code: 'permission_denied',
      message: `This access token has no access to bill ${foreignId}.`,
    });
    expect(unknown.status).toBe(403);
    expect(unknown.json).toMatchObject({ error_code: 'permission_denied' });
  });
});
