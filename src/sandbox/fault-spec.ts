import { z } from 'zod';

/** The shape of a fault switch, as `SandboxFaults.add` and `POST /_sandbox/faults` take it. */

export const FAULT_KINDS = [
  'latency',
  'hang',
  'trickle',
  'reset-mid-body',
  'close-keep-alive',
  'status',
  'html',
  'truncated-json',
  'invalid-json',
  'rate-limit',
  'quota',
  'public-cache',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSpecSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS),
  route: z
    .string()
    .regex(/^([A-Z]+ )?\/\S*$/, 'must be "/path" or "METHOD /path"')
    .optional(),
  token: z.string().min(1).optional(),
  times: z.int().min(1).optional(),
  latencyMs: z.int().min(0).max(600_000).optional(),
  status: z.int().min(400).max(599).optional(),
  bodyBytes: z
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .optional(),
  retryAfterSeconds: z.int().min(0).optional(),
  retryAfterForm: z.enum(['seconds', 'date']).optional(),
  bytesPerSecond: z.number().positive().max(1_000_000).optional(),
});

/**
 * One fault switch. Every field but `kind` narrows or tunes it:
 * - `latency`: waits `latencyMs` (default 1 000) before the normal answer.
 * - `hang`: accepts the request and never sends headers.
 * - `trickle`: sends headers at once, then the real body at `bytesPerSecond` (default 1).
 * - `reset-mid-body`: sends headers and half the real body, then resets the connection.
 * - `close-keep-alive`: closes a kept-alive connection when a further request arrives on it,
 *   without answering, as a server whose keep-alive timer just ran out does.
 * - `status`: answers `status` (default 503) with Pelm's `internal_error` body, or with
 *   `bodyBytes` of filler text when given.
 * - `html`: answers an HTML page (status `status`, default 200) instead of JSON.
 * - `truncated-json`: the real JSON cut in half, as a complete HTTP message.
 * - `invalid-json`: 200 `application/json` that is not JSON.
 * - `rate-limit`: 429, with `Retry-After` of `retryAfterSeconds` when given, written as
 *   delta-seconds or (with `retryAfterForm: 'date'`) as an HTTP date that far ahead.
 * - `quota`: `402 {"error_code":"quota_reached"}`.
 * - `public-cache`: the real answer plus `Cache-Control: public, max-age=300`, to tempt any
 *   layer that honours upstream cache headers.
 */
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

/** One line naming each bad field, for the 400 answer and the thrown error. */
export function describeProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'spec'} ${issue.message}`)
    .join('; ');
}
