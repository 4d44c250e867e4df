import { createHash } from 'node:crypto';
import { CortexError, ErrorReason } from './errors.js';

/**
 * Opaque page tokens (AIP-158): the cursor where a listing stopped, bound by a fingerprint to
 * the query it belongs to, so a token cannot be replayed with other filters.
 */
export type Cursor = Readonly<Record<string, number | string>>;

export function queryFingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
}

export function encodePageToken(cursor: Cursor, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, c: cursor, q: fingerprint })).toString('base64url');
}

/** The cursor of a token issued for this query; INVALID_ARGUMENT on page_token otherwise. */
export function decodePageToken<C extends Cursor>(token: string, fingerprint: string, isCursor: (value: Cursor) => value is C): C {
  const invalid = (description: string) =>
    new CortexError('INVALID_ARGUMENT', `invalid page_token: ${description}`, {
      reason: ErrorReason.INVALID_PAGE_TOKEN,
      fieldViolations: [{ field: 'page_token', description }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token returned by this API');
  }
  const { v, c, q } = (parsed ?? {}) as Record<string, unknown>;
  if (v !== 1 || typeof c !== 'object' || c === null || typeof q !== 'string' || !isCursor(c as Cursor)) {
    throw invalid('not a token returned by this API');
  }
  if (q !== fingerprint) throw invalid('the request differs from the one that returned this token');
  return c as C;
}
