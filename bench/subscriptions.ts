import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

import { rssKib } from './processes.js';

/**
 * Scenario 4: many open `dataReady` subscriptions over SSE for a few syncing users. The gateway
 * should keep one poll loop per user however many subscriptions that user has open, and each
 * open subscription should cost little memory.
 */

export const DATA_READY_SUBSCRIPTION = 'subscription { dataReady { ready } }';

export interface SubscriptionPlan {
  /** Subscriptions opened in total, spread evenly over the users. */
  subscriptions: number;
  /** Syncing users (`sandbox-new-bench-<i>` tokens). */
  users: number;
  /** Requests opening subscriptions at the same time. */
  openConcurrency: number;
  /** Once all are open, how long the upstream polls are counted. */
  observeMs: number;
}

export const FULL_SUBSCRIPTION_PLAN: SubscriptionPlan = {
  subscriptions: 10_000,
  users: 100,
  openConcurrency: 200,
  observeMs: 15_000,
};

export const QUICK_SUBSCRIPTION_PLAN: SubscriptionPlan = {
  subscriptions: 1_000,
  users: 10,
  openConcurrency: 100,
  observeMs: 6_000,
};

export interface SubscriptionResult {
  subscriptions: number;
  users: number;
  /** Subscriptions whose stream was open (200 with SSE headers) when counting started. */
  open: number;
  /** Subscriptions that failed to open or ended before the count. */
  failed: number;
  openSeconds: number;
  rssBeforeMiB: number;
  rssOpenMiB: number;
  /** (RSS with all open − RSS before) / open subscriptions. */
  kibPerSubscription: number;
  observeSeconds: number;
  /** Upstream calls per user per minute over the observation window. */
  pollsPerUserPerMinute: number;
  /** The most calls any single user had in the window, per minute. */
  maxPollsPerUserPerMinute: number;
  /** Calls per user per minute a single poll loop at the configured pause makes at most. */
  oneLoopPollsPerMinute: number;
}

interface OpenStream {
  request: ClientRequest;
  response: IncomingMessage;
}

export interface SubscriptionScenarioOptions {
  gatewayUrl: string;
  gatewayPid: number;
  sandboxUrl: string;
  plan: SubscriptionPlan;
  /** The gateway's fixed pause between two polls of one user (min = max, no jitter). */
  pollPauseMs: number;
}

/** Pause after the last subscription opened, so the gateway's heap and RSS settle. */
const SETTLE_MS = 2_000;

export async function runSubscriptionScenario(
  options: SubscriptionScenarioOptions,
): Promise<SubscriptionResult> {
  const { plan } = options;
  // One socket per subscription: an SSE stream holds its HTTP/1.1 connection.
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: OpenStream[] = [];
  let failed = 0;
  const rssBefore = rssKib(options.gatewayPid).rss;
  const started = performance.now();
  let next = 0;
  const opener = async () => {
    while (next < plan.subscriptions) {
      const index = next++;
      const token = `sandbox-new-bench-${index % plan.users}`;
      const stream = await openStream(options.gatewayUrl, token, agent).catch(() => null);
      if (stream === null) {
        failed += 1;
      } else {
        streams.push(stream);
      }
    }
  };

  await Promise.all(Array.from({ length: plan.openConcurrency }, opener));
  const openSeconds = (performance.now() - started) / 1000;
  await delay(SETTLE_MS);
  const open = streams.filter((stream) => !stream.response.complete).length;
  const rssOpen = rssKib(options.gatewayPid).rss;

  await fetch(`${options.sandboxUrl}/_sandbox/calls`, { method: 'DELETE' });
  const observeStarted = performance.now();
  await delay(plan.observeMs);
  const calls = (await (await fetch(`${options.sandboxUrl}/_sandbox/calls`)).json()) as Array<{
    authorization: string | null;
  }>;
  const observeSeconds = (performance.now() - observeStarted) / 1000;

  for (const stream of streams) {
    stream.request.destroy();
  }

  agent.destroy();

  const perUser = new Map<string, number>();
  for (const call of calls) {
    const key = call.authorization ?? '';
    perUser.set(key, (perUser.get(key) ?? 0) + 1);
  }

  const perMinute = 60 / observeSeconds;

  return {
    subscriptions: plan.subscriptions,
    users: plan.users,
    open,
    failed: failed + (streams.length - open),
    openSeconds,
    rssBeforeMiB: rssBefore / 1024,
    rssOpenMiB: rssOpen / 1024,
    kibPerSubscription: (rssOpen - rssBefore) / Math.max(1, open),
    observeSeconds,
    pollsPerUserPerMinute: (calls.length / plan.users) * perMinute,
    maxPollsPerUserPerMinute: Math.max(0, ...perUser.values()) * perMinute,
    oneLoopPollsPerMinute: 60_000 / options.pollPauseMs,
  };
}

/** Opens one SSE subscription and resolves once its 200 response has started. */
function openStream(url: string, token: string, agent: Agent): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: DATA_READY_SUBSCRIPTION });
    const outgoing = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
        'content-length': Buffer.byteLength(body),
      },
    });
    outgoing.once('error', reject);
    outgoing.once('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`subscription answered ${response.statusCode}`));

        return;
      }

      // Events (pings, progress) are read and dropped; the stream just stays open.
      response.resume();
      outgoing.removeListener('error', reject);
      outgoing.on('error', () => undefined);
      resolve({ request: outgoing, response });
    });
    outgoing.end(body);
  });
}
