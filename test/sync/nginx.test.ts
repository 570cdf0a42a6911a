import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { reportMeasure } from '../helpers/measure.js';
import { startProcess, type RunningProcess } from '../helpers/processes.js';
import { delay, fixedPolling, startSyncStack, type SyncStack } from '../helpers/sync-stack.js';

const NGINX = '/usr/sbin/nginx';
const CI = process.env.CI === 'true';
/**
 * `.ci/run` installs Debian's nginx, so in CI this always runs (and fails if nginx is missing);
 * elsewhere it runs when nginx is installed and says in its name why it was skipped otherwise.
 */
const RUN = CI || existsSync(NGINX);
const SKIPPED = RUN ? '' : ' (skipped: nginx is not installed; .ci/run installs it)';
const QUERY = JSON.stringify({ query: 'subscription { dataReady { ready } }' });
const EVENT = 'event: next\ndata: {"data":{"dataReady":{"ready":true}}}\n\n';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx with stock proxy settings (buffering on, 60 s read timeout, HTTP/1.0 upstream): only
 * `proxy_pass` to the gateway. Its files live in a temporary folder removed on stop.
 */
async function startNginx(upstreamPort: number): Promise<Nginx> {
  const folder = await mkdtemp(join(tmpdir(), 'pelm-nginx-'));
  const port = await freePort();
  const config = `
user root;
worker_processes 1;
daemon off;
pid ${folder}/nginx.pid;
error_log ${folder}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${folder}/body;
  proxy_temp_path ${folder}/proxy;
  fastcgi_temp_path ${folder}/fastcgi;
  uwsgi_temp_path ${folder}/uwsgi;
  scgi_temp_path ${folder}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://127.0.0.1:${upstreamPort}; }
  }
}
`;
  await writeFile(join(folder, 'nginx.conf'), config);
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', folder, '-e', `${folder}/error.log`, '-c', join(folder, 'nginx.conf')],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`nginx did not start on port ${port}`);
    }

    await delay(50);
  }

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      child.kill('SIGQUIT');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
      await rm(folder, { recursive: true, force: true });
    },
  };
}

interface StreamRead {
  status: number;
  headers: Headers;
  /** Each chunk as it arrived, with ms since the request was sent. */
  chunks: Array<{ atMs: number; text: string }>;
}

async function readStream(url: string, token: string): Promise<StreamRead> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'accept-encoding': 'gzip, deflate, br',
    },
    body: QUERY,
  });
  const chunks: StreamRead['chunks'] = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) {
    chunks.push({ atMs: performance.now() - started, text: decoder.decode(chunk) });
  }

  return { status: response.status, headers: response.headers, chunks };
}

function expectStreamHeaders(headers: Headers) {
  expect(headers.get('content-type')).toBe('text/event-stream');
  expect(headers.get('cache-control')?.split(/,\s*/)).toContain('no-cache');
  expect(headers.get('content-length')).toBeNull();
  expect(headers.get('content-encoding')).toBeNull();
}

describe.runIf(RUN)(`server-sent events get through a buffering nginx${SKIPPED}`, () => {
  let nginx: Nginx | undefined;
  let stack: SyncStack | undefined;
  let sandbox: Sandbox | undefined;
  let gateway: RunningProcess | undefined;

  afterEach(async () => {
    await nginx?.stop();
    await stack?.close();
    await gateway?.stop();
    await sandbox?.close();
    nginx = undefined;
    stack = undefined;
    gateway = undefined;
    sandbox = undefined;
  });

  it('delivers the ping as it is written, then the event and the end, through stock nginx', async () => {
    stack = await startSyncStack({ sandbox: { syncSeconds: 1.5 }, sync: fixedPolling(250) });
    nginx = await startNginx(stack.server.port);
    const read = await readStream(nginx.url, 'sandbox-new-proxy-quick');

    expect(read.status).toBe(200);
    expectStreamHeaders(read.headers);
    // Unbuffered: the first ping arrives long before the event, in a chunk of its own.
    expect(read.chunks[0]?.text).toBe(':\n\n');
    const text = read.chunks.map((chunk) => chunk.text).join('');
    expect(text.slice(text.indexOf('event: next'))).toBe(`${EVENT}event: complete\ndata:\n\n`);
    const eventChunk = read.chunks.find((chunk) => chunk.text.includes('event: next'));
    expect(read.chunks[0]?.atMs).toBeLessThan((eventChunk?.atMs ?? 0) - 1_000);
  });

  // Seventy seconds of quiet is the point of this case (longer than nginx's 60 s read timeout),
  // with the gateway's real 12 s pings (a separate process outside NODE_ENV=test); CI runs it.
  it.runIf(CI)(
    'keeps a 70-second quiet stream open with pings at most 15 s apart and delivers the event after it',
    async () => {
      sandbox = await startSandbox({ syncSeconds: 70 });
      const pollMs = 2_000;
      gateway = await startProcess('src/main.ts', {
        PELM_API_URL: sandbox.url,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'development',
        SYNC_POLL_MIN_MS: String(pollMs),
        SYNC_POLL_MAX_MS: String(pollMs),
        SYNC_POLL_JITTER: '0',
      });
      nginx = await startNginx(Number(new URL(gateway.url).port));
      const sent = Date.now();
      const read = await readStream(nginx.url, 'sandbox-new-proxy');

      expectStreamHeaders(read.headers);
      const pings = read.chunks.filter((chunk) => chunk.text === ':\n\n');
      const gaps = pings.slice(1).map((ping, index) => ping.atMs - (pings[index]?.atMs ?? 0));
      const eventChunk = read.chunks.find((chunk) => chunk.text.includes('event: next'));
      const readyAt = (sandbox.calls[0]?.receivedAt ?? 0) + 70_000;
      const lateMs = sent + (eventChunk?.atMs ?? 0) - readyAt;
      reportMeasure(
        `nginx 70 s: ${pings.length} pings, first at ${Math.round(pings[0]?.atMs ?? -1)} ms, longest gap ${Math.round(Math.max(...gaps))} ms; event ${Math.round(lateMs)} ms after the sandbox was ready; stream ${Math.round(read.chunks.at(-1)?.atMs ?? 0)} ms`,
      );
      expect(pings[0]?.atMs).toBeLessThan(15_000);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
      expect(read.chunks.map((chunk) => chunk.text).join('')).toContain(
        `${EVENT}event: complete\ndata:\n\n`,
      );
      expect(lateMs).toBeLessThan(pollMs + 1_000);
    },
    120_000,
  );
});
