import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });

  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

describe('the logger', () => {
  it('writes one JSON line per entry with level, time and message', () => {
    const { lines, logger } = capture();
    logger.info({ event: 'listening' }, 'ready');
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;

    expect(lines).toHaveLength(1);
    expect(entry).toMatchObject({ level: 30, msg: 'ready', event: 'listening' });
    expect(typeof entry['time']).toBe('string');
  });

  it('redacts authorization headers, tokens, secrets, bodies and variables', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: {
          authorization: 'Bearer sandbox-bob',
          'pelm-secret': 'secret-xyz',
          cookie: 'token=sandbox-bob',
        },
        token: 'sandbox-alice-sce',
        request: { authorization: 'Bearer sandbox-pelm', body: '{"address":"1 MAIN ST"}' },
        variables: { id: 'bob' },
        secret: 'secret-xyz',
      },
      'upstream call',
    );
    const text = lines.join('');

    for (const secret of ['sandbox-bob', 'sandbox-alice-sce', 'sandbox-pelm', 'secret-xyz']) {
      expect(text).not.toContain(secret);
    }

    expect(text).not.toContain('1 MAIN ST');
    expect(text.match(/\[redacted\]/g)).toHaveLength(8);
  });
});
