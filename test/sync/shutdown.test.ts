import { afterEach, describe, expect, it } from 'vitest';

import {
  collect,
  eventually,
  fixedPolling,
  startSyncStack,
  type SyncStack,
  type Transport,
} from '../helpers/sync-stack.js';

let stack: SyncStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('dataReady when the gateway shuts down', () => {
  it.each<Transport>(['graphql-sse', 'graphql-ws'])(
    'ends an open %s subscription with SHUTTING_DOWN, never with a bare end',
    async (transport) => {
      const started = await startSyncStack({
        sandbox: { syncSeconds: 3_600 },
        sync: fixedPolling(200),
      });
      stack = started;
      const token = `sandbox-new-shutdown-${transport}`;
      const results = collect(
        started.iterate(transport, token, 'subscription { dataReady { ready } }'),
      ).catch((error: unknown) => error);
      expect(await eventually(() => started.sync.stats().subscribers === 1, 5_000)).toBe(true);

      await started.sync.close();
      const ended = await results;

      // graphql-sse delivers the error as a result; graphql-ws rejects with the errors.
      const errors = Array.isArray(ended)
        ? ended.flatMap((result) => [...(result.value.errors ?? [])])
        : (ended as Array<{ extensions?: Record<string, unknown> }>);
      expect(errors.map((error) => error.extensions?.['code'])).toEqual(['SHUTTING_DOWN']);
      expect(errors[0]?.extensions?.['retryAfter']).toBe(1);
      expect(started.sync.stats()).toEqual({ watchers: 0, leading: 0, subscribers: 0 });
    },
  );
});
