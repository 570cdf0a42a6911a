import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createGateway } from '../../src/app.js';
import { createSilentLogger } from '../../src/logger.js';
import { startStack, type Stack } from '../helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * A real browser is a slow tier: it runs in CI, where .ci/run installs Debian's chromium, and
 * locally with BROWSER_TESTS=1.
 */
const runBrowser = process.env['CI'] === 'true' || process.env['BROWSER_TESTS'] === '1';

let stack: Stack;
let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  if (!runBrowser) {
    return;
  }

  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does).`);
  }

  stack = await startStack();
  const gateway = createGateway({
    source: stack.client,
    logger: createSilentLogger(),
    graphiqlHeaders: { Authorization: 'Bearer sandbox-bob' },
  });
  server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await stack?.close();
});

describe('GraphiQL in a browser', () => {
  it.runIf(runBrowser)(
    "opens with the example query and the demo token, and the first run returns bob's accounts",
    async () => {
      const page = await browser.newPage();
      await page.goto(url);
      const [response] = await Promise.all([
        page.waitForResponse(
          (answer) =>
            answer.request().method() === 'POST' &&
            (answer.request().postData() ?? '').includes('query Example'),
          { timeout: 30_000 },
        ),
        page.locator('.graphiql-execute-button').click({ timeout: 30_000 }),
      ]);
      const result = (await response.json()) as {
        data: { user: { accounts: Array<{ bills: unknown[] }> } };
      };
      await page.getByText('"accountNumber"').first().waitFor({ timeout: 30_000 });

      expect(response.request().headers()['authorization']).toBe('Bearer sandbox-bob');
      expect(result.data.user.accounts).toHaveLength(3);
      expect(result.data.user.accounts.map((account) => account.bills.length)).toEqual([3, 3, 3]);
      await page.screenshot({ path: 'test-results/graphiql.png' }).catch(() => undefined);
      await page.close();
    },
    90_000,
  );
});
