import type { GatewayContext } from '../context.js';
import { gatewayError, unauthenticatedError } from '../errors.js';
import type { SyncFailure, SyncStatus } from '../sync/probe.js';
import type { SyncEvent } from '../sync/watcher.js';
import { builder } from './builder.js';
import { checkedUserId, UserRef, type UserParent } from './user.js';

const SyncStateEnum = builder.enumType('SyncState', {
  description: 'Whether one kind of data of a newly connected user can be read yet.',
  values: {
    SYNCING: { description: 'Pelm is still loading it from the utility (`data_unavailable`).' },
    READY: { description: 'Pelm answers with it.' },
  },
});

const SyncStatusRef = builder.objectRef<SyncStatus>('SyncStatus');

SyncStatusRef.implement({
  description:
    "How far Pelm's first load of a user's data has come. Accounts usually arrive first, " +
    'bills and intervals later; the whole load can take minutes.',
  fields: (t) => ({
    ready: t.exposeBoolean('ready', {
      description: 'True when accounts, bills and intervals can all be read.',
    }),
    accounts: t.field({
      type: SyncStateEnum,
      description: 'The accounts (`GET /accounts`).',
      resolve: (status) => status.accounts,
    }),
    bills: t.field({
      type: SyncStateEnum,
      description: 'The bills, checked on one account.',
      resolve: (status) => status.bills,
    }),
    intervals: t.field({
      type: SyncStateEnum,
      description: 'The usage intervals, checked on one day of one account.',
      resolve: (status) => status.intervals,
    }),
    checkedAt: t.field({
      type: 'DateTime',
      description: 'When Pelm was last asked.',
      resolve: (status) => Math.floor(status.checkedAt / 1000),
    }),
  }),
});

/** One event as one subscriber sees it: its own `userId` goes to the `user` field. */
interface DataReadyPayload {
  event: Extract<SyncEvent, { kind: 'status' | 'ready' }>;
  userId: string | null;
}

const DataReadyEventRef = builder.objectRef<DataReadyPayload>('DataReadyEvent');

DataReadyEventRef.implement({
  description:
    "A step of a user's first sync: the last event of a subscription has `ready: true` " +
    '(earlier ones only with `progress: true`).',
  fields: (t) => ({
    ready: t.boolean({
      description: 'True when accounts, bills and intervals can all be read.',
      resolve: ({ event }) => event.status.ready,
    }),
    status: t.field({
      type: SyncStatusRef,
      description: 'Which kinds of data can be read.',
      resolve: ({ event }) => event.status,
    }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description:
        'The user, read fresh when this event was sent (select the data that just arrived). The profile fields need `dataReady(userId:)`.',
      resolve: ({ event, userId }): UserParent => ({ id: userId, loaders: event.loaders() }),
    }),
  }),
});

builder.subscriptionType({
  description: 'Long-lived operations, over SSE (`Accept: text/event-stream`) or graphql-ws.',
});

builder.subscriptionField('dataReady', (t) =>
  t.field({
    type: DataReadyEventRef,
    nullable: true,
    description:
      "Tells when a newly connected user's accounts, bills and intervals can all be read, then " +
      'completes; a user whose data is there already gets the event at once. The stream ends ' +
      'with an error instead: UNAUTHENTICATED when Pelm rejects the token, REAUTH_REQUIRED when ' +
      '`userId` is given and the utility login stopped working, DATA_UNAVAILABLE when the data ' +
      'is still not there after the configured limit (30 minutes by default). However many ' +
      'subscriptions are open for one token, Pelm is polled by one loop.',
    args: {
      userId: t.arg.id({
        required: false,
        description:
          'Your own `user_id` for this Pelm user: lets the subscription check the utility login ' +
          '(REAUTH_REQUIRED) and fills the profile fields of `user`.',
      }),
      progress: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Also send an event each time one kind of data becomes readable.',
      }),
    },
    subscribe: (_root, args, context) => {
      const token = requireToken(context);

      return context.sync.subscribe(token, {
        userId: checkedUserId('userId', args.userId) ?? undefined,
        progress: args.progress === true,
        signal: context.signal,
      });
    },
    resolve: (event: SyncEvent, args): DataReadyPayload => {
      if (event.kind === 'failed') {
        throw failureError(event.failure);
      }

      const userId = checkedUserId('userId', args.userId);

      return { event, userId };
    },
  }),
);

builder.objectField(UserRef, 'syncStatus', (t) =>
  t.field({
    type: SyncStatusRef,
    nullable: true,
    description:
      "How far Pelm's first load of this user's data has come, asked now (or taken from the " +
      'poll loop of an open `dataReady` for the same token). For clients that cannot keep a ' +
      'subscription open.',
    resolve: async (_parent, _args, context) => {
      const status = await context.sync.status(requireToken(context), context.signal);
      if ('code' in status) {
        throw failureError(status);
      }

      return status;
    },
  }),
);

function requireToken(context: GatewayContext): string {
  if (context.token === null) {
    throw unauthenticatedError(context.tokenProblem ?? 'A Pelm access token is required.');
  }

  return context.token;
}

function failureError(failure: SyncFailure) {
  return gatewayError(failure.code, failure.message, { retryAfter: failure.retryAfter });
}
