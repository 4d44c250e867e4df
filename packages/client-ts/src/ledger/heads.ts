import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** A key whose signed heads the client trusts: its id (the signed-note key name) and raw Ed25519 public key in hex. */
export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: string;
}

/** A signed tree head whose signature checked out, as parsed from its note (docs/ledger.md). */
export interface VerifiedHead {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly time: Date;
  /** LedgerEntry.hash of entry treeSize. */
  readonly lastEntryHash: string;
  /** SHA-256 of the previous head's text. */
  readonly previousHeadHash: Buffer;
  readonly nextHeadDue: number;
  readonly keyId: string;
  /** The signed note itself: what to store and hand to other witnesses. */
  readonly note: string;
}

export type HeadProblem = 'MALFORMED_HEAD' | 'UNTRUSTED_KEY' | 'BAD_SIGNATURE';

const SIGNATURE_LINE = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/]+={0,2})$/;
const HEAD_TEXT = /^([^\n]+)\n(0|[1-9]\d*)\n([A-Za-z0-9+/]{43}=)\ntime (\d+)\nlast ([0-9a-f]{64})\nprev ([0-9a-f]{64})\nnext (\d+)\n$/;

/**
 * Checks a signed head (a C2SP checkpoint in a signed note, https://c2sp.org/signed-note):
 * well formed, and signed by one of the trusted keys, whose 4-byte key hash is
 * SHA-256(key id ‖ "\n" ‖ 0x01 ‖ public key). Returns the head, or what is wrong with it.
 */
export function verifyHead(note: string, trusted: readonly TrustedKey[]): VerifiedHead | HeadProblem {
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return 'MALFORMED_HEAD';
  const text = note.slice(0, split + 1);
  const fields = HEAD_TEXT.exec(text);
  const signatures = note.slice(split + 2, -1).split('\n').map((line) => SIGNATURE_LINE.exec(line));
  if (fields === null || signatures.length === 0 || signatures.some((s) => s === null)) return 'MALFORMED_HEAD';
  for (const [, keyId, encoded] of signatures as RegExpExecArray[]) {
    const raw = Buffer.from(encoded!, 'base64');
    const key = trusted.find((k) => k.keyId === keyId && keyHash(k).equals(raw.subarray(0, 4)));
    if (key === undefined) continue;
    if (raw.length !== 68 || !verify(null, Buffer.from(text, 'utf8'), publicKey(key), raw.subarray(4))) return 'BAD_SIGNATURE';
    return {
      origin: fields[1]!,
      treeSize: Number(fields[2]),
      rootHash: Buffer.from(fields[3]!, 'base64'),
      time: new Date(Number(fields[4])),
      lastEntryHash: fields[5]!,
      previousHeadHash: Buffer.from(fields[6]!, 'hex'),
      nextHeadDue: Number(fields[7]),
      keyId: keyId!,
      note,
    };
  }
  return 'UNTRUSTED_KEY';
}

function keyHash(key: TrustedKey): Buffer {
  return createHash('sha256')
    .update(`${key.keyId}\n`, 'utf8')
    .update(Buffer.from([0x01]))
    .update(Buffer.from(key.publicKey, 'hex'))
    .digest()
    .subarray(0, 4);
}

function publicKey(key: TrustedKey): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.publicKey, 'hex').toString('base64url') }, format: 'jwk' });
}
