import { createHash } from 'node:crypto';
import { findUserByToken } from './fixtures.js';
import { SandboxApiError, jsonResponse, readFields, type SandboxResponse } from './http.js';
import type { RouteContext, UserRouteContext } from './route-context.js';

/**
 * The auth and user endpoints: minting connect tokens, exchanging a Connect code for an access
 * token, and reading or deleting the user. The sandbox has no Connect UI, so its codes are
 * spelled out: `sandbox-code-<token>` exchanges to `<token>`.
 */

const CONNECT_TOKEN_SECONDS = 1800;
const CODE_PREFIX = 'sandbox-code-';

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

export async function connectToken(context: RouteContext): Promise<SandboxResponse> {
  const fields = await readFields(context.request);
  const userId = fields.get('user_id');
  if (userId === undefined || userId === '') {
    throw new SandboxApiError(400, 'parameter_missing', 'user_id is required.');
  }

  const slug = fields.get('utility_slug');
  const utilityId = fields.get('utility_id');
  if (slug !== undefined && utilityId !== undefined) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      'Send utility_slug or the deprecated utility_id, not both.',
    );
  }

  const token = `sandbox-connect-${shortHash(`${userId}\n${slug ?? ''}\n${utilityId ?? ''}`)}`;

  return jsonResponse(
    200,
    JSON.stringify({ connect_token: token, expires_in: CONNECT_TOKEN_SECONDS }),
  );
}

export async function exchangeCode(context: RouteContext): Promise<SandboxResponse> {
  const fields = await readFields(context.request);
  const code = fields.get('code');
  if (code === undefined || code === '') {
    throw new SandboxApiError(400, 'parameter_missing', 'code is required.');
  }

  const token = code.startsWith(CODE_PREFIX) ? code.slice(CODE_PREFIX.length) : '';
  if (findUserByToken(token) === undefined || context.sandbox.deletedTokens.has(token)) {
    throw new SandboxApiError(
      400,
      'parameter_invalid',
      'The authorization code is not valid; sandbox codes are "sandbox-code-" and a sandbox token.',
    );
  }

  return jsonResponse(
    200,
    JSON.stringify({
      access_token: token,
      access_token_expires_in: 3600,
      refresh_token: `sandbox-refresh-${shortHash(token)}`,
      refresh_token_expires_in: 31_536_000,
    }),
  );
}

function ownUserId(context: UserRouteContext, userId: string): void {
  if (userId !== context.user.userId) {
    throw new SandboxApiError(
      403,
      'permission_denied',
      `This access token has no access to user ${userId}.`,
    );
  }
}

export function getUser(context: UserRouteContext, userId: string): SandboxResponse {
  ownUserId(context, userId);
  const { user } = context;

  return jsonResponse(
    200,
    JSON.stringify({
      id: user.userId,
      utility: { id: user.utility.id, full_name: user.utility.fullName },
      utility_username: user.utilityUsername,
      credentials_valid: user.credentialsValid,
    }),
  );
}

export function deleteUser(context: UserRouteContext, userId: string): SandboxResponse {
  ownUserId(context, userId);
  context.sandbox.deletedTokens.set(context.token, true);

  return { status: 204, headers: {}, body: null };
}
