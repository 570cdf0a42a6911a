import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { NOW, call, getOk, intervalsPath, type AccountBody } from './helpers.js';

const SYNC_SECONDS = 0.4;
/** Extra time allowed past each threshold before a test fails; CI machines stall. */
const SLACK_MS = 600;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW, syncSeconds: SYNC_SECONDS });
});

afterAll(async () => {
  await sandbox.close();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('a freshly connected sandbox-new-* user', () => {
  it('answers GET /users at once and data_unavailable on data routes at first', async () => {
    const token = 'sandbox-new-first-look';
    const user = await call(sandbox, '/users/new-first-look', { token });

    expect(user.status).toBe(200);
    expect(user.json).toMatchObject({ id: 'new-first-look', credentials_valid: true });
    for (const path of ['/accounts', '/bills', intervalsPath('any', 'ELECTRIC')]) {
      const reply = await call(sandbox, path, { token });

      expect(reply.status).toBe(500);
      expect(reply.json).toStrictEqual({
        error_code: 'data_unavailable',
        message:
          "We're currently loading data for this account. Please try again in a few minutes.",
      });
    }
  });

  it('becomes ready for accounts at a quarter, bills at half, intervals at the end', async () => {
    const token = 'sandbox-new-timeline';
    const started = performance.now();
    // The first request starts the user's sync clock.
    await call(sandbox, '/users/new-timeline', { token });
    const ready: Record<string, number> = {};
    let intervals = '';
    while (Object.keys(ready).length < 3 && performance.now() - started < 5000) {
      for (const kind of ['accounts', 'bills', 'intervals']) {
        if (ready[kind] !== undefined) {
          continue;
        }

        const path = kind === 'intervals' ? intervals : `/${kind}`;
        if (path === '') {
          continue;
        }

        const reply = await call(sandbox, path, { token });
        if (reply.status === 200) {
          ready[kind] = performance.now() - started;
          if (kind === 'accounts') {
            const [account] = reply.json as AccountBody[];
            intervals = intervalsPath(account?.id ?? '', 'ELECTRIC');
          }
        } else {
          expect(reply.status).toBe(500);
        }
      }

      await sleep(20);
    }

    // The client's clock started before the sandbox saw the first request, so these lower
    // bounds hold however slow the machine is.
    expect(ready.accounts).toBeGreaterThanOrEqual(SYNC_SECONDS * 250);
    expect(ready.bills).toBeGreaterThanOrEqual(SYNC_SECONDS * 500);
    expect(ready.intervals).toBeGreaterThanOrEqual(SYNC_SECONDS * 1000);
    expect(ready.accounts).toBeLessThan(SYNC_SECONDS * 250 + SLACK_MS);
    expect(ready.bills).toBeLessThan(SYNC_SECONDS * 500 + SLACK_MS);
    expect(ready.intervals).toBeLessThan(SYNC_SECONDS * 1000 + SLACK_MS);
  });

  it('serves generated data once ready, 1 to 3 accounts with meters', async () => {
    const token = 'sandbox-new-settled';
    await call(sandbox, '/accounts', { token });
    await sleep(SYNC_SECONDS * 1000 + 50);
    const accounts = await getOk<AccountBody[]>(sandbox, '/accounts', token);

    expect(accounts.length).toBeGreaterThanOrEqual(1);
    expect(accounts.length).toBeLessThanOrEqual(3);
    expect(accounts[0]?.meters).toHaveLength(2);
    expect((await call(sandbox, '/bills', { token })).status).toBe(200);
  });

  it('keeps sync clocks per token, so another new user starts from zero', async () => {
    await call(sandbox, '/accounts', { token: 'sandbox-new-early' });
    await sleep(SYNC_SECONDS * 1000 + 50);
    const later = await call(sandbox, '/accounts', { token: 'sandbox-new-late' });

    expect((await call(sandbox, '/accounts', { token: 'sandbox-new-early' })).status).toBe(200);
    expect(later.status).toBe(500);
  });
});
