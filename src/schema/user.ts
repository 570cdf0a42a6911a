import type { GatewayContext } from '../context.js';
import { badUserInputError, unauthenticatedError } from '../errors.js';
import type { Loaders } from '../loaders.js';
import { isPelmError } from '../pelm/errors.js';
import type { PelmUser } from '../pelm/types.js';
import { AccountRef } from './account.js';
import { builder } from './builder.js';
import { selectsPath } from './selection.js';

/** Longest `user_id` sent to Pelm; a longer one would only be refused by its HTTP stack. */
const MAX_USER_ID_LENGTH = 256;

/** The caller's own `user_id` from argument `name`, or `null` when not given. */
export function checkedUserId(name: string, value: string | number | null | undefined) {
  if (value === null || value === undefined) {
    return null;
  }

  const id = String(value);
  if (id === '' || id.length > MAX_USER_ID_LENGTH) {
    throw badUserInputError(
      name,
      `\`${name}\` must be your user_id for this Pelm user: 1 to ${MAX_USER_ID_LENGTH} characters.`,
    );
  }

  return id;
}

/** What `Query.user` resolves to: the caller's loaders and the `id` they named, if any. */
export interface UserParent {
  id: string | null;
  loaders: Loaders;
}

export const UserRef = builder.objectRef<UserParent>('User');

const UtilityRef = builder.objectRef<NonNullable<PelmUser['utility']>>('Utility');

UtilityRef.implement({
  description: 'The utility company whose login this Pelm user is.',
  fields: (t) => ({
    id: t.exposeInt('id', { description: "Pelm's numeric id of the utility (1 is PG&E)." }),
    name: t.exposeString('fullName', {
      description: 'Display name, as Pelm spells it (e.g. "Pacific Gas and Electric").',
    }),
  }),
});

UserRef.implement({
  description:
    'One Pelm user: one login at one utility (PG&E, SCE, SoCalGas…), owning one or more ' +
    'accounts. A person with logins at two utilities is two users, with two tokens.',
  fields: (t) => ({
    id: t.id({
      nullable: true,
      description: 'The `user_id` given as `Query.user(id:)`; null when none was given.',
      resolve: (parent) => parent.id,
    }),
    utility: t.field({
      type: UtilityRef,
      nullable: true,
      description: 'The utility of this login. Needs `Query.user(id:)`.',
      resolve: async (parent) => (await loadProfile(parent, 'utility')).utility,
    }),
    utilityUsername: t.string({
      nullable: true,
      description: "The end user's username at the utility. Needs `Query.user(id:)`.",
      resolve: async (parent) => (await loadProfile(parent, 'utilityUsername')).utilityUsername,
    }),
    credentialsValid: t.boolean({
      nullable: true,
      description:
        'False when the utility login stopped working (typically a changed password): Pelm ' +
        'cannot refresh the data until the user reconnects. Needs `Query.user(id:)`.',
      resolve: async (parent) => (await loadProfile(parent, 'credentialsValid')).credentialsValid,
    }),
    accounts: t.field({
      type: [AccountRef],
      nullable: true,
      description:
        'The accounts (usually one per property) of this login, in the order Pelm lists them.',
      args: {
        ids: t.arg.idList({
          required: false,
          description: 'Only these account ids; ids the user does not own are left out.',
        }),
      },
      resolve: async (parent, args) => {
        const accounts = await parent.loaders.accounts();
        if (args.ids === null || args.ids === undefined) {
          return accounts;
        }

        const wanted = new Set(args.ids.map(String));

        return accounts.filter((account) => wanted.has(account.id));
      },
    }),
  }),
});

function loadProfile(parent: UserParent, field: string): Promise<PelmUser> {
  if (parent.id === null) {
    throw badUserInputError(
      'id',
      `User.${field} needs the user's id: query it as user(id: "<your user_id>") { ${field} }.`,
    );
  }

  return parent.loaders.user(parent.id);
}

const PROFILE_FIELDS = ['utility', 'utilityUsername', 'credentialsValid'];

builder.queryField('user', (t) =>
  t.field({
    type: UserRef,
    nullable: true,
    description:
      'The Pelm user behind the bearer token. Everything reachable from the token works ' +
      'without `id`; the profile fields (utility, utilityUsername, credentialsValid) need it.',
    args: {
      id: t.arg.id({
        required: false,
        description:
          'Your own `user_id` for this Pelm user, the one you passed when creating its ' +
          'connect token.',
      }),
    },
    resolve: async (_root, args, context, info) => {
      const loaders = requireLoaders(context);
      const id = checkedUserId('id', args.id);

      const parent: UserParent = { id, loaders };

      // Start every call the selection will need at once: `GET /bills` needs no account ids,
      // so it runs beside `GET /accounts` instead of after it.
      const wantsAccounts = selectsPath(info, ['accounts']);
      const accounts = wantsAccounts ? loaders.accounts() : undefined;
      if (wantsAccounts && selectsPath(info, ['accounts', 'bills'])) {
        loaders.billGroups().catch(() => undefined);
      }

      const wantsProfile = id !== null && PROFILE_FIELDS.some((name) => selectsPath(info, [name]));
      const profile = wantsProfile ? loaders.user(id) : undefined;

      // A rejected token makes the whole user null rather than each of its fields.
      await rethrowIfUnauthenticated(accounts ?? profile);

      return parent;
    },
  }),
);

function requireLoaders(context: GatewayContext): Loaders {
  if (context.loaders === null) {
    throw unauthenticatedError(context.tokenProblem ?? 'A Pelm access token is required.');
  }

  return context.loaders;
}

async function rethrowIfUnauthenticated(pending: Promise<unknown> | undefined): Promise<void> {
  try {
    await pending;
  } catch (error) {
    if (isPelmError(error) && error.code === 'UNAUTHENTICATED') {
      throw error;
    }
  }
}
