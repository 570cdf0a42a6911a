import { pathToFileURL } from 'node:url';

import { Pool } from 'undici';

/**
 * The benchmark's "direct" reference line: what a frontend does without the gateway. It reads
 * the user's accounts, then each account's bills (and, when asked, each account's intervals
 * window) straight from Pelm: two round trips, one call per account per resource.
 *
 * Run alone: `node dist/bench/direct.js <pelm url> <token>` prints the bill count per account.
 */

/** An intervals window, in epoch seconds, read per account after the accounts. */
export interface DirectWindow {
  type: 'ELECTRIC' | 'GAS';
  startDate: number;
  endDate: number;
}

export interface DirectClient {
  /** Accounts, then all their bills (and intervals) at once; resolves to the bills per account. */
  headline(token: string, window?: DirectWindow): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export function createDirectClient(pelmUrl: string, connections: number): DirectClient {
  const pool = new Pool(pelmUrl, { connections });

  const get = async <T>(token: string, path: string): Promise<T> => {
    const response = await pool.request({
      method: 'GET',
      path,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const body = (await response.body.json()) as T;
    if (response.statusCode !== 200) {
      throw new Error(`Pelm answered ${response.statusCode} for ${path}`);
    }

    return body;
  };

  return {
    async headline(token, window) {
      const accounts = await get<Array<{ id: string }>>(token, '/accounts');
      const perAccount = await Promise.all(
        accounts.map(async (account) => {
          const id = encodeURIComponent(account.id);
          const [groups] = await Promise.all([
            get<Array<{ bills: unknown[] }>>(token, `/bills?account_id=${id}`),
            window === undefined
              ? undefined
              : get<unknown>(
                  token,
                  `/intervals?account_id=${id}&type=${window.type}` +
                    `&start_date=${window.startDate}&end_date=${window.endDate}`,
                ),
          ]);

          return [account.id, groups[0]?.bills.length ?? 0] as const;
        }),
      );

      return new Map(perAccount);
    },
    close: () => pool.close(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [pelmUrl, token] = process.argv.slice(2);
  if (pelmUrl === undefined || token === undefined) {
    console.error('usage: node dist/bench/direct.js <pelm url> <token>');
    process.exit(2);
  }

  const client = createDirectClient(pelmUrl, 4);
  const bills = await client.headline(token);
  console.log(Object.fromEntries(bills));
  await client.close();
}
