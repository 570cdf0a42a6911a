import { LRUCache } from 'lru-cache';

import type { PelmError } from './errors.js';

/** Entries kept at most; lru-cache reserves about 40 bytes of index per entry up front. */
export const DEFAULT_CACHE_MAX_ENTRIES = 50_000;
/** Estimated heap bytes the entries may take together. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Bytes counted per entry beyond its value and key: the entry object, its slot in lru-cache's
 * arrays and its key map. Generous, so the byte bound holds for the real heap.
 */
export const ENTRY_OVERHEAD_BYTES = 320;

/** A good answer, or Pelm's "still syncing" for a short while; never any other failure. */
export type CacheEntry =
  | { kind: 'data'; value: unknown; storedAtMs: number; freshUntilMs: number; bytes: number }
  | {
      kind: 'not-ready';
      error: PelmError;
      storedAtMs: number;
      freshUntilMs: number;
      bytes: number;
    };

export interface ResponseCacheOptions {
  /** @default DEFAULT_CACHE_MAX_ENTRIES (50 000) */
  maxEntries?: number | undefined;
  /** @default DEFAULT_CACHE_MAX_BYTES (64 MiB) */
  maxBytes?: number | undefined;
}

/**
 * The bounded store under the caching source: least recently used entries go first when
 * either the entry count or the estimated bytes would pass their bound.
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, CacheEntry>;

  constructor(options: ResponseCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    for (const [name, value] of [
      ['maxEntries', maxEntries],
      ['maxBytes', maxBytes],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(
          `Pelm cache option ${name} must be a positive integer; received ${value}.`,
        );
      }
    }

    this.#lru = new LRUCache<string, CacheEntry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => entry.bytes + stringBytes(key) + ENTRY_OVERHEAD_BYTES,
    });
  }

  get(key: string): CacheEntry | undefined {
    return this.#lru.get(key);
  }

  /** Reads without counting as a use, so inspecting never changes what is evicted. */
  peek(key: string): CacheEntry | undefined {
    return this.#lru.peek(key);
  }

  /** Stores `entry` until `keepMs` from now at most (its freshness plus any stale window). */
  set(key: string, entry: CacheEntry, keepMs: number): void {
    this.#lru.set(key, entry, { ttl: Math.max(1, Math.ceil(keepMs)) });
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  keys(): string[] {
    return [...this.#lru.keys()];
  }

  get entries(): number {
    return this.#lru.size;
  }

  /** Estimated bytes of all entries, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}

/**
 * Rough heap bytes of a parsed Pelm answer, from one walk over it: numbers as boxed doubles,
 * strings as two bytes a character, objects by their properties. Errs on the large side.
 */
export function estimateBytes(value: unknown): number {
  if (typeof value === 'number') {
    return 16;
  }

  if (typeof value === 'string') {
    return stringBytes(value);
  }

  if (value === null || typeof value !== 'object') {
    return 8;
  }

  if (Array.isArray(value)) {
    let total = 32 + 8 * value.length;
    for (const item of value as unknown[]) {
      total += estimateBytes(item);
    }

    return total;
  }

  if (value instanceof Map) {
    let total = 64;
    for (const [key, item] of value as Map<unknown, unknown>) {
      total += 48 + estimateBytes(key) + estimateBytes(item);
    }

    return total;
  }

  let total = 32;
  for (const item of Object.values(value)) {
    total += 16 + estimateBytes(item);
  }

  return total;
}

function stringBytes(text: string): number {
  return 24 + 2 * text.length;
}
