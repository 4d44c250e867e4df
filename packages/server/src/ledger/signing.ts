import { createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Checkpoint signatures: Ed25519 over the canonical checkpoint encoding (docs/ledger.md)
 *   ["cortex.ledger.checkpoint.v1", seq, hash, time_ms, key_id]
 * Ed25519 rather than an HMAC so an auditor verifies with the public key alone. The key pair is
 * derived from the CORTEX_SIGNING_KEY secret with HKDF-SHA256 (empty salt, info
 * "cortex.ledger.ed25519.v1"), so operators keep handling one secret.
 */
export const CHECKPOINT_ENCODING = 'cortex.ledger.checkpoint.v1';
export const SIGNING_ALGORITHM = 'ed25519';
const HKDF_INFO = 'cortex.ledger.ed25519.v1';

// DER headers that wrap a raw 32-byte Ed25519 seed / public key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  /** Milliseconds since the Unix epoch, when it was signed. */
  readonly time: number;
  readonly keyId: string;
  readonly algorithm: string;
  /** Hex of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** Hex of the 64-byte signature. */
  readonly signature: string;
}

export interface Signer {
  readonly keyId: string;
  readonly publicKey: string;
  sign(seq: number, hash: string, time: number): Checkpoint;
}

export function checkpointEncoding(cp: { seq: number; hash: string; time: number; keyId: string }): string {
  return JSON.stringify([CHECKPOINT_ENCODING, cp.seq, cp.hash, cp.time, cp.keyId]);
}

export function createSigner(secret: string, keyId: string): Signer {
  const privateKey = privateKeyFromSecret(secret);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return {
    keyId,
    publicKey,
    sign(seq, hash, time) {
      const signature = sign(null, Buffer.from(checkpointEncoding({ seq, hash, time, keyId }), 'utf8'), privateKey);
      return { seq, hash, time, keyId, algorithm: SIGNING_ALGORITHM, publicKey, signature: signature.toString('hex') };
    },
  };
}

/** The public key (hex) an auditor needs, derived from the secret the server signs with. */
export function publicKeyFromSecret(secret: string): string {
  return rawPublicKey(createPublicKey(privateKeyFromSecret(secret)));
}

/**
 * Checks a checkpoint's signature against the keys the verifier trusts (public key hex → key id).
 * Returns the reason it is bad, or undefined when it is good.
 */
export function checkCheckpointSignature(cp: Checkpoint, trusted: ReadonlyMap<string, string>): string | undefined {
  if (cp.algorithm !== SIGNING_ALGORITHM) return `unsupported checkpoint algorithm "${cp.algorithm}"`;
  if (!trusted.has(cp.publicKey)) return `checkpoint signed by an untrusted key (key id "${cp.keyId}")`;
  let ok: boolean;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(cp.publicKey, 'hex')]), format: 'der', type: 'spki' });
    ok = verify(null, Buffer.from(checkpointEncoding(cp), 'utf8'), key, Buffer.from(cp.signature, 'hex'));
  } catch {
    ok = false;
  }
  return ok ? undefined : 'bad checkpoint signature';
}

function privateKeyFromSecret(secret: string): KeyObject {
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), HKDF_INFO, 32));
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('hex');
}
