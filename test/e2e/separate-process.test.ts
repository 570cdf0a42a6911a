import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startProcess, type RunningProcess } from '../helpers/processes.js';
import { execute, SANDBOX_NOW, startStack, type Stack } from '../helpers/stack.js';

const HEADLINE = /* GraphQL */ `
  {
    user {
      accounts {
        id
        accountNumber
        address
        bills {
          id
          startDate
          totalAmountDue {
            amount
          }
        }
      }
    }
  }
`;

let sandbox: RunningProcess;
let gateway: RunningProcess;
let stack: Stack;

beforeAll(async () => {
  sandbox = await startProcess('src/sandbox/main.ts', {
    SANDBOX_PORT: '0',
    SANDBOX_NOW: String(SANDBOX_NOW),
  });
  gateway = await startProcess('src/main.ts', {
    PORT: '0',
    HOST: '127.0.0.1',
    PELM_API_URL: sandbox.url,
  });
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await sandbox?.stop();
  await stack?.close();
});

async function overHttp(token: string | null): Promise<{ status: number; body: unknown }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query: HEADLINE }),
  });

  return { status: response.status, body: await response.json() };
}

async function sandboxCalls(): Promise<Array<{ method: string; path: string }>> {
  const response = await fetch(`${sandbox.url}/_sandbox/calls`);

  return (await response.json()) as Array<{ method: string; path: string }>;
}

describe('the gateway pointed at a separately started sandbox process', () => {
  it.each(['sandbox-bob', 'sandbox-alice-sce', 'sandbox-pelm'])(
    'answers %s exactly as the in-process stack does, over real HTTP',
    async (token) => {
      await fetch(`${sandbox.url}/_sandbox/calls`, { method: 'DELETE' });
      const remote = await overHttp(token);
      const local = await execute(stack.gateway, HEADLINE, { token });

      expect(remote.status).toBe(200);
      expect(remote.body).toEqual(local.body);
      expect((await sandboxCalls()).map((call) => `${call.method} ${call.path}`).sort()).toEqual([
        'GET /accounts',
        'GET /bills',
      ]);
    },
  );

  it('answers UNAUTHENTICATED for a request without a token, with no upstream call', async () => {
    await fetch(`${sandbox.url}/_sandbox/calls`, { method: 'DELETE' });
    const remote = await overHttp(null);

    expect(remote.body).toMatchObject({
      data: { user: null },
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(await sandboxCalls()).toEqual([]);
  });
});
