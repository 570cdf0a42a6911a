import { PelmError } from '../../src/pelm/errors.js';
import type { IntervalsQuery, PelmCallOptions, PelmSource } from '../../src/pelm/source.js';
import type { PelmAccount, PelmBillGroups, PelmIntervals, PelmUser } from '../../src/pelm/types.js';

/** One call the counting source received. */
export interface SourceCall {
  operation: 'getAccounts' | 'getBills' | 'getIntervals' | 'getUser';
  token: string;
  signal: AbortSignal | undefined;
}

/**
 * An in-memory `PelmSource` that records every call and answers from `answer`, which may
 * return a value, throw, or return a promise (to hold a call open).
 */
export class CountingSource implements PelmSource {
  readonly calls: SourceCall[] = [];
  answer: (call: SourceCall, query?: unknown) => unknown | Promise<unknown>;

  constructor(answer?: (call: SourceCall, query?: unknown) => unknown | Promise<unknown>) {
    this.answer = answer ?? ((call) => defaultAnswer(call));
  }

  count(operation?: SourceCall['operation']): number {
    return this.calls.filter((call) => operation === undefined || call.operation === operation)
      .length;
  }

  getAccounts(call: PelmCallOptions): Promise<PelmAccount[]> {
    return this.#call('getAccounts', call) as Promise<PelmAccount[]>;
  }

  getBills(call: PelmCallOptions, query?: { accountId?: string }): Promise<PelmBillGroups> {
    return this.#call('getBills', call, query) as Promise<PelmBillGroups>;
  }

  getIntervals(call: PelmCallOptions, query: IntervalsQuery): Promise<PelmIntervals> {
    return this.#call('getIntervals', call, query) as Promise<PelmIntervals>;
  }

  getUser(call: PelmCallOptions, userId: string): Promise<PelmUser> {
    return this.#call('getUser', call, userId) as Promise<PelmUser>;
  }

  async #call(
    operation: SourceCall['operation'],
    call: PelmCallOptions,
    query?: unknown,
  ): Promise<unknown> {
    const recorded = { operation, token: call.token, signal: call.signal };
    this.calls.push(recorded);

    return this.answer(recorded, query);
  }
}

/** A distinct account per token, so a crossed answer is visible. */
export function accountFor(token: string): PelmAccount {
  return {
    id: `acc-of-${token}`,
    accountNumber: `no-${token}`,
    address: `${token.toUpperCase()} STREET`,
    availableMeterTypes: ['ELECTRIC'],
    usageUnit: 'kwh',
    gasUsageUnit: null,
    ghgEmissionsUnit: null,
    meters: [],
  };
}

function defaultAnswer(call: SourceCall): unknown {
  switch (call.operation) {
    case 'getAccounts':
      return [accountFor(call.token)];
    case 'getBills':
      return new Map([[`acc-of-${call.token}`, []]]);
    case 'getIntervals':
      return { utility: null, type: 'ELECTRIC', account: null, intervals: [] };
    default:
      throw new PelmError('FORBIDDEN', 'no profile here');
  }
}

/** Resolves after `ms`, or rejects with the signal's reason. */
export function held<T>(value: T, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}
