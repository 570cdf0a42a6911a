/**
 * Upstream calls shared by every request that asks the same thing at the same time. The call
 * has its own abort signal: one caller leaving does not cancel it for the others, and it is
 * cancelled (closing its upstream socket) only when the last caller has left.
 */
export class InFlightCalls {
  readonly #flights = new Map<string, Flight<unknown>>();

  /** Calls now running, for tests and metrics. */
  get size(): number {
    return this.#flights.size;
  }

  has(key: string): boolean {
    return this.#flights.has(key);
  }

  /**
   * Joins the running call for `key`, or starts `start` when there is none (or when `join` is
   * false: the new call then replaces the old one for later callers). Rejects with `signal`'s
   * reason as soon as it aborts.
   */
  run<T>(
    key: string,
    start: (signal: AbortSignal) => Promise<T>,
    options: { signal?: AbortSignal | undefined; join?: boolean | undefined },
  ): Promise<T> {
    options.signal?.throwIfAborted();
    const running = options.join === false ? undefined : this.#flights.get(key);
    const flight = (running as Flight<T> | undefined) ?? this.#start(key, start, false);

    return this.#wait(key, flight, options.signal);
  }

  /** Starts a call nobody waits on (a background refresh), unless one is already running. */
  detach<T>(key: string, start: (signal: AbortSignal) => Promise<T>): void {
    if (!this.#flights.has(key)) {
      this.#start(key, start, true);
    }
  }

  #start<T>(key: string, start: (signal: AbortSignal) => Promise<T>, detached: boolean) {
    const controller = new AbortController();
    const flight: Flight<T> = {
      controller,
      waiters: 0,
      detached,
      promise: Promise.resolve().then(() => start(controller.signal)),
    };
    // Waiters get the outcome; this only keeps a failure nobody waits for from going unhandled.
    flight.promise.catch(() => undefined);
    void flight.promise
      .finally(() => {
        if (this.#flights.get(key) === flight) {
          this.#flights.delete(key);
        }
      })
      .catch(() => undefined);
    this.#flights.set(key, flight as Flight<unknown>);

    return flight;
  }

  #wait<T>(key: string, flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal === undefined) {
      // A caller that cannot leave keeps the call alive to the end.
      flight.detached = true;

      return flight.promise;
    }

    flight.waiters += 1;

    return new Promise<T>((resolve, reject) => {
      let waiting = true;
      const onAbort = (): void => {
        waiting = false;
        this.#leave(key, flight, signal.reason);
        reject(signal.reason as Error);
      };

      // After a leave the promise is already rejected; settling it again does nothing.
      const settle = (): void => {
        signal.removeEventListener('abort', onAbort);
        if (waiting) {
          waiting = false;
          flight.waiters -= 1;
        }
      };

      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error as Error);
        },
      );
    });
  }

  #leave(key: string, flight: Flight<unknown>, reason: unknown): void {
    flight.waiters -= 1;
    if (flight.waiters > 0 || flight.detached) {
      return;
    }

    // Nobody wants the answer any more: free the upstream socket, and let a later caller start
    // afresh instead of joining a call that is being torn down.
    if (this.#flights.get(key) === flight) {
      this.#flights.delete(key);
    }

    flight.controller.abort(reason);
  }
}

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  /** Never aborted for lack of waiters. */
  detached: boolean;
}
