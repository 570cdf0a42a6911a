import type { IncomingMessage } from 'node:http';

/** An answer the sandbox is about to send; hooks may inspect or replace it before it goes. */
export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  /** Null for an answer without a body (204). */
  body: Buffer | string | null;
}

/**
 * A Pelm error answer: status plus the `{"error_code", "message"}` body. Handlers throw it from
 * any depth; the pipeline turns it into the response.
 */
export class SandboxApiError extends Error {
  override name = 'SandboxApiError';
  readonly status: number;
  readonly errorCode: string;

  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export function jsonResponse(status: number, body: Buffer | string): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json' }, body };
}

export function errorResponse(status: number, errorCode: string, message: string): SandboxResponse {
  return jsonResponse(status, JSON.stringify({ error_code: errorCode, message }));
}

export function responseForError(error: SandboxApiError): SandboxResponse {
  return errorResponse(error.status, error.errorCode, error.message);
}

/** Pelm's own wording starts this way; clients match on `error_code`, not on it. */
export const DATA_UNAVAILABLE_MESSAGE =
  "We're currently loading data for this account. Please try again in a few minutes.";

/** Bodies larger than this are refused: no Pelm form comes close. */
const MAX_BODY_BYTES = 64 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += bytes.length;
    if (size > MAX_BODY_BYTES) {
      throw new SandboxApiError(
        400,
        'parameter_invalid',
        `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
      );
    }

    chunks.push(bytes);
  }

  return Buffer.concat(chunks);
}

function fieldsOfJson(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxApiError(400, 'parameter_invalid', 'The request body is not valid JSON.');
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SandboxApiError(400, 'parameter_invalid', 'The JSON request body must be an object.');
  }

  const fields = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields.set(name, String(value));
    }
  }

  return fields;
}

/**
 * The fields of a POST body. Pelm documents form encoding; the sandbox also takes multipart
 * (`curl -F`, seen in older Pelm examples) and a JSON object, so every client style works.
 */
export async function readFields(request: IncomingMessage): Promise<Map<string, string>> {
  const body = await readBody(request);
  const contentType = request.headers['content-type'] ?? '';
  if (body.length === 0) {
    return new Map();
  }

  if (/^application\/json\b/i.test(contentType)) {
    return fieldsOfJson(body.toString('utf8'));
  }

  if (/^multipart\/form-data\b/i.test(contentType)) {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), {
        headers: { 'content-type': contentType },
      }).formData();
    } catch {
      throw new SandboxApiError(400, 'parameter_invalid', 'The multipart body cannot be parsed.');
    }

    const fields = new Map<string, string>();
    form.forEach((value, name) => {
      if (typeof value === 'string' && !fields.has(name)) {
        fields.set(name, value);
      }
    });

    return fields;
  }

  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (!fields.has(name)) {
      fields.set(name, value);
    }
  }

  return fields;
}
