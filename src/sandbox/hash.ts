import { createHash } from 'node:crypto';

/**
 * Deterministic randomness for the sandbox. Every generated value is a pure function of a seed
 * and a position (an interval start, a day number), never of a running generator, so any window
 * of data can be produced on its own and always comes out the same.
 */

/** Mixes two 32-bit integers into one well-spread unsigned 32-bit integer (murmur3 finaliser). */
export function hash32(seed: number, value: number): number {
  let h =
    (seed ^ Math.imul(value | 0, 0x9e3779b1) ^ Math.imul((value / 4_294_967_296) | 0, 0x85ebca77)) |
    0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;

  return h >>> 0;
}

/** A number in [0, 1) derived from `seed` and `value`. */
export function unitHash(seed: number, value: number): number {
  return hash32(seed, value) / 4_294_967_296;
}

function digest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** A 32-bit seed for a name, so seeds of different names are unrelated. */
export function seedOf(name: string): number {
  return Number.parseInt(digest(name).slice(0, 8), 16);
}

/**
 * A UUID-shaped id (version 5 layout) derived from a name: the same name always gives the same
 * id, and the 122 hashed bits make ids of different names distinct in practice.
 */
export function uuidFor(name: string): string {
  const hex = digest(name);
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);

  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** `count` decimal digits derived from a name, never starting with 0. */
export function digitsFor(name: string, count: number): string {
  const hex = digest(name);
  let digits = '';
  for (let index = 0; digits.length < count; index += 2) {
    const byte = Number.parseInt(hex.slice(index % 64, (index % 64) + 2), 16);
    digits += String(byte % 10);
  }

  return digits.charAt(0) === '0' ? `7${digits.slice(1)}` : digits;
}
