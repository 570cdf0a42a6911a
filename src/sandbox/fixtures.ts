import { LRUCache } from 'lru-cache';
import {
  generatedAccount,
  pelmSandboxAccounts,
  type GeneratedAccountSpec,
  type SandboxAccount,
} from './accounts.js';
import { seedOf } from './hash.js';
import { PGE, SCE, SOCALGAS, type SandboxUtility } from './utilities.js';

/**
 * The sandbox's users, each reached through a fixed access token. A few are hand-picked
 * scenarios (Pelm's own sandbox login, a household with three houses, a stale login, utilities
 * without some features); two token patterns give any number of generated users for load tests
 * and for the first-sync timeline.
 */

export interface SandboxUser {
  token: string;
  userId: string;
  utility: SandboxUtility;
  utilityUsername: string;
  credentialsValid: boolean;
  /** A freshly connected user whose data endpoints answer `data_unavailable` for a while. */
  syncing: boolean;
  accounts: readonly SandboxAccount[];
}

/** One row of the token table, for documentation. */
export interface SandboxUserDirectoryEntry {
  token: string;
  userId: string;
  utility: string;
  description: string;
}

export const SANDBOX_USER_DIRECTORY: readonly SandboxUserDirectoryEntry[] = [
  {
    token: 'sandbox-pelm',
    userId: 'pelm-sandbox-user',
    utility: PGE.fullName,
    description:
      "Pelm's public sandbox login: its two accounts exactly, hourly electric with emissions; " +
      'intervals 2022-06-08T00:00Z to 2022-06-12T13:00Z are the published sample values.',
  },
  {
    token: 'sandbox-bob',
    userId: 'bob',
    utility: PGE.fullName,
    description:
      'One login, three houses; each with 15-minute electric (with emissions), daily gas and meters.',
  },
  {
    token: 'sandbox-alice-sce',
    userId: 'alice-sce',
    utility: SCE.fullName,
    description: 'One account, 15-minute electric with emissions, no gas.',
  },
  {
    token: 'sandbox-alice-socalgas',
    userId: 'alice-socalgas',
    utility: SOCALGAS.fullName,
    description: 'One gas account; bills only, `/intervals` answers 400 feature_unavailable.',
  },
  {
    token: 'sandbox-stale',
    userId: 'stale',
    utility: PGE.fullName,
    description: 'Utility password changed: data readable, `credentials_valid` is false.',
  },
  {
    token: 'sandbox-new-<name>',
    userId: 'new-<name>',
    utility: PGE.fullName,
    description:
      'Freshly connected (`<name>`: 1–64 of A-Z a-z 0-9 . _ -). Data endpoints answer 500 ' +
      'data_unavailable from first use until accounts (¼ syncSeconds), bills (½), intervals (all).',
  },
  {
    token: 'sandbox-user-<n>',
    userId: 'user-<n>',
    utility: PGE.fullName,
    description:
      'Generated load-test user, 0 ≤ n < 100000 without leading zeros: 1 + n % 5 accounts, ' +
      '15-minute electric with emissions, daily gas on the 1st, 3rd and 5th.',
  },
];

interface UserSpec {
  userId: string;
  utility: SandboxUtility;
  credentialsValid?: boolean;
  syncing?: boolean;
  accounts: readonly GeneratedAccountSpec[];
}

function buildUser(token: string, spec: UserSpec): SandboxUser {
  return {
    token,
    userId: spec.userId,
    utility: spec.utility,
    utilityUsername: `${spec.userId}@example.com`,
    credentialsValid: spec.credentialsValid ?? true,
    syncing: spec.syncing ?? false,
    accounts: spec.accounts.map((account, index) =>
      generatedAccount(spec.userId, index, spec.utility, account),
    ),
  };
}

const BOTH = { electric: true, gas: true };
const ELECTRIC_ONLY = { electric: true, gas: false };

function buildStaticUsers(): Map<string, SandboxUser> {
  const users: SandboxUser[] = [
    {
      token: 'sandbox-pelm',
      userId: 'pelm-sandbox-user',
      utility: PGE,
      utilityUsername: 'user@pelm.com',
      credentialsValid: true,
      syncing: false,
      accounts: pelmSandboxAccounts(),
    },
    buildUser('sandbox-bob', { userId: 'bob', utility: PGE, accounts: [BOTH, BOTH, BOTH] }),
    buildUser('sandbox-alice-sce', {
      userId: 'alice-sce',
      utility: SCE,
      accounts: [ELECTRIC_ONLY],
    }),
    buildUser('sandbox-alice-socalgas', {
      userId: 'alice-socalgas',
      utility: SOCALGAS,
      accounts: [{ electric: false, gas: true }],
    }),
    buildUser('sandbox-stale', {
      userId: 'stale',
      utility: PGE,
      credentialsValid: false,
      accounts: [BOTH],
    }),
  ];

  return new Map(users.map((user) => [user.token, user]));
}

const STATIC_USERS = buildStaticUsers();
const GENERATED_USERS = new LRUCache<string, SandboxUser>({ max: 10_000 });
const LOAD_USER_TOKEN = /^sandbox-user-(0|[1-9]\d{0,4})$/;
const NEW_USER_TOKEN = /^sandbox-new-([A-Za-z0-9._-]{1,64})$/;

function buildGeneratedUser(token: string): SandboxUser | undefined {
  const load = LOAD_USER_TOKEN.exec(token);
  if (load?.[1] !== undefined) {
    const n = Number(load[1]);
    const accounts = Array.from({ length: 1 + (n % 5) }, (_, index) => ({
      electric: true,
      gas: index % 2 === 0,
    }));

    return buildUser(token, { userId: `user-${n}`, utility: PGE, accounts });
  }

  const fresh = NEW_USER_TOKEN.exec(token);
  if (fresh?.[1] !== undefined) {
    const userId = `new-${fresh[1]}`;
    const accounts = Array.from({ length: 1 + (seedOf(userId) % 3) }, (_, index) => ({
      electric: true,
      gas: index % 2 === 0,
    }));

    return buildUser(token, { userId, utility: PGE, syncing: true, accounts });
  }

  return undefined;
}

/** The user an access token belongs to, or undefined for a token the sandbox does not know. */
export function findUserByToken(token: string): SandboxUser | undefined {
  const fixed = STATIC_USERS.get(token);
  if (fixed !== undefined) {
    return fixed;
  }

  const cached = GENERATED_USERS.get(token);
  if (cached !== undefined) {
    return cached;
  }

  const built = buildGeneratedUser(token);
  if (built !== undefined) {
    GENERATED_USERS.set(token, built);
  }

  return built;
}
