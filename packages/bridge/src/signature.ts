// The webhook signature: `x-cortex-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
// The timestamp is signed with the body, so a receiver that rejects old timestamps also rejects a
// captured request replayed later; each attempt is signed afresh.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-cortex-signature';

/** How far a signature's timestamp may be from the receiver's clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The shortest secret accepted: 32 characters, as for the server's signing key. */
export const MIN_SECRET_LENGTH = 32;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The value of the signature header for `body`, sent at `nowMs`. */
export function signatureHeader(secret: string, body: string, nowMs: number = Date.now()): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type Verification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface VerifyOptions {
  /** The shared secret; several while rotating (any one may match). */
  readonly secrets: readonly string[];
  /** The header's value as received. */
  readonly header: string | undefined;
  /** The raw request body, exactly as received (not re-serialized JSON). */
  readonly body: string;
  readonly toleranceSeconds?: number;
  readonly nowMs?: number;
}

/**
 * What a receiver does with a delivery: parse the header, reject a timestamp further than the
 * tolerance from now, recompute the HMAC over `<t>.<body>` with each secret and compare in
 * constant time with every `v1` value.
 */
export function verifySignature(options: VerifyOptions): Verification {
  const fields = (options.header ?? '').split(',').map((part) => part.trim().split('='));
  const timestamp = Number(fields.find(([key]) => key === 't')?.[1]);
  const signatures = fields.filter(([key, value]) => key === 'v1' && value !== undefined).map(([, value]) => value!);
  if (!Number.isInteger(timestamp) || signatures.length === 0) return { ok: false, reason: `no t=<seconds>,v1=<hex> in ${SIGNATURE_HEADER}` };
  const ageSeconds = Math.abs((options.nowMs ?? Date.now()) / 1000 - timestamp);
  if (ageSeconds > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: `timestamp ${timestamp} is ${Math.round(ageSeconds)} s away` };
  const matches = options.secrets.some((secret) => {
    const expected = Buffer.from(hmacHex(secret, timestamp, options.body), 'hex');
    return signatures.some((signature) => {
      const given = Buffer.from(signature, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  });
  return matches ? { ok: true } : { ok: false, reason: 'no signature matches the body' };
}
