import { pino } from 'pino';
import { vi } from 'vitest';

import { LOG_FILE_VARIABLE } from './log-capture.js';

// Tests build their gateway, client and sandbox with `createSilentLogger()`. Under the suite's
// log capture it writes at debug level into the shared capture file instead, so the final
// check sees every line the code under test would log in production.
vi.mock(import('../../src/logger.js'), async (importOriginal) => {
  const actual = await importOriginal();
  const file = process.env[LOG_FILE_VARIABLE];
  if (file === undefined) {
    return actual;
  }

  const destination = pino.destination({ dest: file, append: true, sync: true });

  return {
    ...actual,
    createSilentLogger: () => actual.createLogger({ level: 'debug', destination }),
  };
});
