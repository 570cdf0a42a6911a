import { errorFromNetwork, PelmError } from './errors.js';
import type { PelmRequest } from './request.js';

/**
 * The signal handed to undici for one request: aborts when the caller's signal does or when
 * the whole-request timer runs out, and remembers which of the two happened.
 */
export class CallDeadline {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;

  readonly #onCallerAbort = (): void => {
    this.#controller.abort(this.#caller?.reason);
  };

  constructor(timeoutMs: number, caller: AbortSignal | undefined) {
    this.#caller = caller;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new DOMException('Pelm call timed out.', 'TimeoutError'));
    }, timeoutMs);
    this.#timer.unref();
    caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}

/**
 * Decides what a failed request rejects with. The caller's abort wins over everything: the
 * caller asked to stop, and a `PelmError` would be reported as an upstream fault.
 */
export function failureOf(
  request: PelmRequest<unknown>,
  error: unknown,
  deadline: CallDeadline,
): unknown {
  if (request.signal?.aborted === true) {
    return request.signal.reason;
  }

  if (error instanceof PelmError) {
    return error;
  }

  if (deadline.timedOut) {
    return errorFromNetwork(
      request.description,
      new DOMException('The Pelm call exceeded requestTimeoutMs.', 'TimeoutError'),
    );
  }

  return errorFromNetwork(request.description, error);
}

/**
 * Waits `ms`, or rejects with the signal's own reason as soon as it aborts, so a retry wait
 * never outlives the GraphQL request that asked for the call.
 */
export function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);

      return;
    }

    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };

    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
