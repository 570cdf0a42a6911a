import type { Dispatcher } from 'undici';
import { ZodError } from 'zod';

import { errorFromResponse } from './errors.js';
import { IntervalShapeError, parseErrorBody } from './payloads.js';
import type { PelmResponse } from './request.js';
import type { PelmBillPdf } from './types.js';

/** Only the `error_code` of an error body matters, and it sits in the first few bytes. */
export const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

export type ResponseBody = Dispatcher.ResponseData['body'];

/**
 * Reads a body of at most `limitBytes`. A longer one (by its declared length or by what
 * arrives) is destroyed and `undefined` returned, so an oversized body never sits in memory.
 */
export async function readBounded(
  body: ResponseBody,
  limitBytes: number,
  declaredBytes: number,
): Promise<Buffer | undefined> {
  if (declaredBytes > limitBytes) {
    body.destroy();

    return undefined;
  }

  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limitBytes) {
      body.destroy();

      return undefined;
    }

    chunks.push(buffer);
  }

  return Buffer.concat(chunks, total);
}

/** JSON.parse, minus its error message: that quotes the upstream body. */
export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SyntaxError('The body is not valid JSON.');
  }
}

export function jsonDecoder<TResult>(
  description: string,
  parse: (body: unknown) => TResult,
): (response: PelmResponse) => TResult {
  return (response) => {
    const body = parseJson(response.body);
    try {
      return parse(body);
    } catch (error) {
      // Pelm has been seen answering 200 with an error object; honour its error_code.
      const errorCode = parseErrorBody(body);
      if (errorCode !== undefined) {
        throw errorFromResponse(description, {
          status: response.status,
          errorCode,
          retryAfter: response.retryAfter,
        });
      }

      throw error;
    }
  };
}

export function decodePdf(description: string, response: PelmResponse): PelmBillPdf {
  const contentType = response.contentType ?? 'application/pdf';
  if (/\bjson\b/i.test(contentType)) {
    const errorCode = parseErrorBody(parseJson(response.body));
    if (errorCode !== undefined) {
      throw errorFromResponse(description, {
        status: response.status,
        errorCode,
        retryAfter: response.retryAfter,
      });
    }

    throw new TypeError('Expected a PDF, received JSON.');
  }

  if (response.body.length === 0) {
    throw new TypeError('Expected a PDF, received an empty body.');
  }

  return { contentType, body: new Uint8Array(response.body) };
}

/** Names where a body went wrong (paths and issue kinds only, never values) for the log. */
export function shapeProblems(error: unknown): string[] {
  if (error instanceof ZodError) {
    return error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
  }

  if (error instanceof IntervalShapeError) {
    return [`intervals.${error.path.join('.')}`];
  }

  return [error instanceof Error ? error.name : 'unknown'];
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
