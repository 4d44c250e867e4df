import { createHash } from 'node:crypto';
import { CortexError } from '../errors.js';

/** Where a listing stopped, bound to the query it belongs to so a token cannot be replayed elsewhere. */
export interface PageCursor {
  readonly createdAt: number;
  readonly id: string;
}

export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodePageToken(cursor: PageCursor, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, c: cursor.createdAt, i: cursor.id, q: fingerprint })).toString('base64url');
}

export function decodePageToken(token: string, fingerprint: string): PageCursor {
  const invalid = (description: string) =>
    new CortexError('INVALID_ARGUMENT', `invalid page_token: ${description}`, {
      reason: 'INVALID_PAGE_TOKEN',
      fieldViolations: [{ field: 'page_token', description }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token returned by this API');
  }
  const { v, c, i, q } = (parsed ?? {}) as Record<string, unknown>;
  if (v !== 1 || typeof c !== 'number' || typeof i !== 'string' || typeof q !== 'string') {
    throw invalid('not a token returned by this API');
  }
  if (q !== fingerprint) throw invalid('the request differs from the one that returned this token');
  return { createdAt: c, id: i };
}
