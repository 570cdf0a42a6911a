import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { createSchema, createYoga } from 'graphql-yoga';
import { Agent, request } from 'undici';

/**
 * The benchmark's "naive" reference line, not product code: a minimal Yoga server over the same
 * Pelm sandbox whose resolvers each fetch what they need, with no loaders, no batching and no
 * cache. Its schema is the slice of the gateway's that the bench queries read, with the same
 * output shapes, so one query text serves both and their answers have the same size.
 *
 * Env: PELM_API_URL (required), PORT (default 0). Prints `{"event":"listening","url":…}`.
 */

interface NaiveContext {
  token: string;
}

interface PelmAccountBody {
  id: string;
  account_number: string;
  address: string;
}

interface PelmBillBody {
  id: string;
  start_date: number;
  end_date: number;
  due_date: number | null;
  total_amount_due: number;
}

interface PelmIntervalBody {
  start: number;
  end: number;
  usage: number;
  ghg_emissions?: number | null;
}

const pelmUrl = process.env['PELM_API_URL'];
if (pelmUrl === undefined || pelmUrl === '') {
  process.stderr.write('naive-server: PELM_API_URL is required\n');
  process.exit(1);
}

// Keep-alive connections like any sensible HTTP client; naivety is in the resolvers only.
const agent = new Agent({ connections: 32 });

async function pelm<T>(context: NaiveContext, path: string): Promise<T> {
  const response = await request(`${pelmUrl}${path}`, {
    dispatcher: agent,
    headers: { authorization: `Bearer ${context.token}`, accept: 'application/json' },
  });
  const body = (await response.body.json()) as T;
  if (response.statusCode !== 200) {
    throw new Error(`Pelm answered ${response.statusCode} for ${path}`);
  }

  return body;
}

function isoTime(epochSeconds: number | null): string | null {
  return epochSeconds === null
    ? null
    : new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function epochSeconds(text: string): number {
  return Math.floor(Date.parse(text) / 1000);
}

const typeDefs = /* GraphQL */ `
  enum MeterType {
    ELECTRIC
    GAS
  }

  type Money {
    amount: String!
    currency: String!
  }

  type Bill {
    id: ID!
    startDate: String!
    endDate: String!
    dueDate: String
    totalAmountDue: Money!
  }

  type Interval {
    start: String!
    end: String!
    usage: Float!
    ghgEmissions: Float
  }

  type Account {
    id: ID!
    accountNumber: String!
    address: String!
    bills(limit: Int): [Bill!]
    intervals(type: MeterType!, from: String!, to: String!): [Interval!]
  }

  type User {
    accounts(ids: [ID!]): [Account!]
  }

  type Query {
    user: User
  }
`;

const resolvers = {
  Query: { user: () => ({}) },
  User: {
    accounts: async (_user: unknown, args: { ids?: string[] | null }, context: NaiveContext) => {
      const accounts = await pelm<PelmAccountBody[]>(context, '/accounts');

      return args.ids == null
        ? accounts
        : accounts.filter((account) => args.ids?.includes(account.id));
    },
  },
  Account: {
    accountNumber: (account: PelmAccountBody) => account.account_number,
    bills: async (
      account: PelmAccountBody,
      args: { limit?: number | null },
      context: NaiveContext,
    ) => {
      const groups = await pelm<Array<{ bills: PelmBillBody[] }>>(
        context,
        `/bills?account_id=${encodeURIComponent(account.id)}`,
      );
      const bills = groups[0]?.bills ?? [];

      return args.limit == null ? bills : bills.slice(0, args.limit);
    },
    intervals: async (
      account: PelmAccountBody,
      args: { type: string; from: string; to: string },
      context: NaiveContext,
    ) => {
      const query = new URLSearchParams({
        account_id: account.id,
        type: args.type,
        start_date: String(epochSeconds(args.from)),
        end_date: String(epochSeconds(args.to)),
      });
      const body = await pelm<{ intervals: PelmIntervalBody[] }>(context, `/intervals?${query}`);

      return body.intervals;
    },
  },
  Bill: {
    startDate: (bill: PelmBillBody) => isoTime(bill.start_date),
    endDate: (bill: PelmBillBody) => isoTime(bill.end_date),
    dueDate: (bill: PelmBillBody) => isoTime(bill.due_date),
    totalAmountDue: (bill: PelmBillBody) => ({
      amount: String(bill.total_amount_due),
      currency: 'USD',
    }),
  },
  Interval: {
    start: (interval: PelmIntervalBody) => isoTime(interval.start),
    end: (interval: PelmIntervalBody) => isoTime(interval.end),
    ghgEmissions: (interval: PelmIntervalBody) => interval.ghg_emissions ?? null,
  },
};

const yoga = createYoga<object, NaiveContext>({
  schema: createSchema<NaiveContext>({ typeDefs, resolvers }),
  context: ({ request: incoming }) => ({
    token: /^Bearer (\S+)$/.exec(incoming.headers.get('authorization') ?? '')?.[1] ?? '',
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});

const server = createServer(yoga);
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${port}/graphql` })}\n`,
  );
});

function stop(): void {
  server.closeAllConnections();
  server.close(() => {
    void agent.close().then(() => process.exit(0));
  });
}

process.once('SIGTERM', stop);
process.once('SIGINT', stop);
