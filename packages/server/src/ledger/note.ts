import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Signed notes (https://c2sp.org/signed-note), the envelope of signed tree heads and segment
 * manifests, so standard tools (e.g. Go's golang.org/x/mod/sumdb/note) check them:
 *
 *   <text, one or more lines, ending in a newline>
 *   <blank line>
 *   — <key name> <base64(key hash ‖ Ed25519 signature over the text)>
 *
 * The key name is the signing key id; the key hash is the first 4 bytes of
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), 0x01 naming Ed25519.
 */
const SIGNATURE_PREFIX = '\u2014 ';
const ED25519 = 0x01;
// DER header that wraps a raw 32-byte Ed25519 public key (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Public key (hex of the raw 32 bytes) → key id, for every key whose signatures are trusted. */
export type TrustedKeys = ReadonlyMap<string, string>;

/** A key name is what a signature line can carry: no spaces, no "+", not empty. */
export const KEY_NAME_PATTERN = /^[^\s+]+$/;

export function noteKeyHash(name: string, publicKeyHex: string): Buffer {
  return createHash('sha256')
    .update(`${name}\n`, 'utf8')
    .update(Buffer.from([ED25519]))
    .update(Buffer.from(publicKeyHex, 'hex'))
    .digest()
    .subarray(0, 4);
}

/** Signs text (which must end in a newline) as a note with one signature. */
export function signNote(text: string, keyName: string, privateKey: KeyObject, publicKeyHex: string): string {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new Error('note text must end in one newline and hold no blank line');
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const encoded = Buffer.concat([noteKeyHash(keyName, publicKeyHex), signature]).toString('base64');
  return `${text}\n${SIGNATURE_PREFIX}${keyName} ${encoded}\n`;
}

export type OpenedNote = { readonly text: string; readonly keyId: string } | { readonly problem: string; readonly keyId?: string };

/**
 * Checks a note: well formed, and signed by one of the trusted keys. Returns its text and the id
 * of the key that signed it, or what is wrong with it.
 */
export function openNote(note: string, trusted: TrustedKeys): OpenedNote {
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return { problem: 'malformed signed note' };
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const signatures = lines.map(parseSignatureLine);
  if (signatures.length === 0 || signatures.some((s) => s === undefined)) return { problem: 'malformed signature line' };
  let untrusted: string | undefined;
  for (const signature of signatures as Signature[]) {
    const key = trustedKey(trusted, signature);
    if (key === undefined) {
      untrusted ??= signature.name;
      continue;
    }
    if (verify(null, Buffer.from(text, 'utf8'), key, signature.bytes)) return { text, keyId: signature.name };
    return { problem: 'bad signature', keyId: signature.name };
  }
  return { problem: `signed by an untrusted key (key id "${untrusted ?? ''}")`, keyId: untrusted ?? '' };
}

/** The text of a note without checking its signature (for notes already verified elsewhere). */
export function noteText(note: string): string {
  const split = note.indexOf('\n\n');
  return split < 0 ? note : note.slice(0, split + 1);
}

/** The key id of a note's first signature line, without checking it. */
export function noteKeyId(note: string): string {
  const split = note.indexOf('\n\n');
  return (split < 0 ? undefined : parseSignatureLine(note.slice(split + 2).split('\n')[0] ?? ''))?.name ?? '';
}

interface Signature {
  readonly name: string;
  readonly keyHash: Buffer;
  readonly bytes: Buffer;
}

function parseSignatureLine(line: string): Signature | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const [name, encoded, ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ');
  if (name === undefined || encoded === undefined || rest.length > 0 || !KEY_NAME_PATTERN.test(name)) return undefined;
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 4 + 64 || raw.toString('base64') !== encoded) return undefined;
  return { name, keyHash: raw.subarray(0, 4), bytes: raw.subarray(4) };
}

function trustedKey(trusted: TrustedKeys, signature: Signature): KeyObject | undefined {
  for (const [publicKey, keyId] of trusted) {
    if (keyId === signature.name && noteKeyHash(keyId, publicKey).equals(signature.keyHash)) {
      return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKey, 'hex')]), format: 'der', type: 'spki' });
    }
  }
  return undefined;
}
