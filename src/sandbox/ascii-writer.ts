/**
 * Writes JSON text straight into a growing byte buffer. A year of 15-minute intervals is 35 040
 * objects; putting their digits into bytes skips a string per interval and a double-to-text
 * conversion per value, which would otherwise be most of the time of the answer.
 *
 * Hot loops call `reserve` once per record and then the `put*` functions on the returned buffer,
 * keeping the position in a local variable, and finally hand it back with `advance`.
 */

const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
const INT32_LIMIT = 2_147_483_648;

/** Room one number needs at most: sign, 16 digits of a safe integer, dot and 8 decimals. */
export const MAX_NUMBER_BYTES = 27;

/** Copies `bytes` to `buffer` at `at`; returns the position after them. */
export function putBytes(buffer: Buffer, at: number, bytes: Uint8Array): number {
  let position = at;
  // A plain loop beats `set` and `copy` for the few bytes of a JSON key.
  for (let index = 0; index < bytes.length; index += 1) {
    buffer[position++] = bytes[index] ?? 0;
  }

  return position;
}

/** Writes a non-negative integer below 2^31, left-padded with zeros to `width` digits. */
function putSmallDigits(buffer: Buffer, at: number, value: number, width: number): number {
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) {
    digits += 1;
  }

  if (digits < width) {
    digits = width;
  }

  let rest = value;
  for (let index = at + digits - 1; index >= at; index -= 1) {
    const quotient = (rest / 10) | 0;
    buffer[index] = ZERO + rest - quotient * 10;
    rest = quotient;
  }

  return at + digits;
}

/** Writes a non-negative safe integer, left-padded with zeros to `width` digits. */
function putDigits(buffer: Buffer, at: number, value: number, width: number): number {
  if (value < INT32_LIMIT) {
    return putSmallDigits(buffer, at, value, width);
  }

  // Integer division by 10 is only cheap below 2^31: split into two halves that fit.
  const low = value % 1_000_000_000;
  const high = (value - low) / 1_000_000_000;
  const position = putDigits(buffer, at, high, Math.max(0, width - 9));

  return putSmallDigits(buffer, position, low, 9);
}

/** Writes a safe integer in decimal; returns the position after it. */
export function putInteger(buffer: Buffer, at: number, value: number): number {
  if (value < 0) {
    buffer[at] = MINUS;

    return putDigits(buffer, at + 1, -value, 0);
  }

  return putDigits(buffer, at, value, 0);
}

/**
 * Writes `units / 10^decimals` as `JSON.stringify` prints such a number: no trailing zeros and no
 * dot for a whole number. `units` is a non-negative safe integer, `decimals` at most 6 (beyond
 * that `JSON.stringify` would switch to exponent notation for the smallest values).
 */
export function putFixed(buffer: Buffer, at: number, units: number, decimals: number): number {
  const scale = POWERS_OF_TEN[decimals] ?? 1;
  const whole = Math.floor(units / scale);
  let fraction = units - whole * scale;
  let position = putDigits(buffer, at, whole, 0);
  if (fraction === 0) {
    return position;
  }

  let width = decimals;
  while (fraction % 10 === 0) {
    fraction /= 10;
    width -= 1;
  }

  buffer[position++] = DOT;

  return putDigits(buffer, position, fraction, width);
}

export class AsciiWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Makes room for `bytes` more bytes and returns the buffer to write them into, starting at
   * `length`. The buffer may be replaced by a larger one on the next call.
   */
  reserve(bytes: number): Buffer {
    if (this.#length + bytes > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }

    return this.#buffer;
  }

  /** Records that the bytes up to `position` of the reserved buffer are written. */
  advance(position: number): void {
    if (position < this.#length || position > this.#buffer.length) {
      throw new RangeError(
        `AsciiWriter.advance expects a position between ${this.#length} and ${this.#buffer.length}, got ${position}.`,
      );
    }

    this.#length = position;
  }

  /** Appends text (UTF-8). */
  text(value: string): this {
    this.reserve(Buffer.byteLength(value));
    this.#length += this.#buffer.write(value, this.#length);

    return this;
  }

  /** Appends any finite number as `JSON.stringify` prints it. */
  number(value: number): this {
    return this.text(JSON.stringify(value));
  }

  /** The bytes written so far (a view of the internal buffer, not a copy). */
  toBuffer(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}
