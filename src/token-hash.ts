import { createHmac, randomBytes } from 'node:crypto';

/**
 * Names derived from a caller's token (cache keys, Redis lock and topic names) use a keyed hash
 * of it, never the token: Pelm access tokens never expire, so a leaked key must not be one.
 */
export type TokenHasher = (token: string) => string;

/**
 * HMAC-SHA256 of the token under `secret`, as 32 hex characters. Without a secret a random one
 * is drawn, which suits a single instance; instances that share Redis must share the secret so
 * they derive the same names.
 */
export function createTokenHasher(secret?: string): TokenHasher {
  const key = secret ?? randomBytes(32).toString('hex');

  return (token) => createHmac('sha256', key).update(token).digest('hex').slice(0, 32);
}
