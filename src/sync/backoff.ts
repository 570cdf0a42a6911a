/** Bounds of the pause between two sync probes of one user. */
export interface PollBackoff {
  /** Shortest pause, and the first one. */
  minMs: number;
  /** Longest pause; the pause doubles from `minMs` up to it. */
  maxMs: number;
  /**
   * Share of each pause drawn at random, from 0 (none) to 1, centred on the doubled value and
   * kept within the bounds.
   */
  jitter: number;
}

/**
 * The pause before probe number `attempt + 1` of a still-syncing user: `minMs × 2^attempt`,
 * capped at `maxMs`, spread by the jitter so that users who connected together are not all
 * probed in the same instant. `random` returns a number in [0, 1).
 */
export function pollDelayMs(
  attempt: number,
  backoff: PollBackoff,
  random: () => number = Math.random,
): number {
  const doubled = backoff.minMs * 2 ** Math.min(attempt, 40);
  const base = Math.min(backoff.maxMs, doubled);
  const spread = base * backoff.jitter * (random() - 0.5);

  return Math.round(Math.min(backoff.maxMs, Math.max(backoff.minMs, base + spread)));
}
