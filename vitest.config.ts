import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships both ESM and CommonJS builds. Vitest would hand our ESM code one and
    // graphql-yoga (CommonJS-resolved) the other, and GraphQLError from one copy fails
    // `instanceof` against the other. One entry for both keeps a single copy, as in Node.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real servers on port 0; two workers match the two cores of our machines.
    maxWorkers: 2,
    // Every silenced test logger writes into one capture file, searched for tokens, secrets
    // and upstream bodies once the last test file is done (test/helpers/log-capture.ts).
    globalSetup: ['test/helpers/log-capture.ts'],
    setupFiles: ['test/helpers/log-capture-setup.ts'],
  },
});
