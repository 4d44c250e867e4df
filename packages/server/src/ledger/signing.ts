import { createHmac, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { signNote } from './note.js';

/**
 * The ledger's keys, all derived from the CORTEX_SIGNING_KEY secret with HKDF-SHA256 (empty salt),
 * so operators keep handling one secret:
 * - an Ed25519 key pair (info "cortex.ledger.ed25519.v1") signs tree heads and segment manifests,
 *   so an auditor verifies with the public key alone;
 * - an HMAC-SHA256 key (info "cortex.ledger.tip.v1") seals the ledger tip (tip.ts), which only the
 *   server and holders of the secret check.
 */
const ED25519_INFO = 'cortex.ledger.ed25519.v1';
const TIP_INFO = 'cortex.ledger.tip.v1';

// DER header that wraps a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Signer {
  readonly keyId: string;
  /** Hex of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** Signs note text (ending in a newline) as a signed note. */
  readonly signNote: (text: string) => string;
  /** Hex HMAC-SHA256 of the text under the tip key. */
  readonly mac: (text: string) => string;
}

export function createSigner(secret: string, keyId: string): Signer {
  const privateKey = privateKeyFromSecret(secret);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  const macKey = tipKeyFromSecret(secret);
  return {
    keyId,
    publicKey,
    signNote: (text) => signNote(text, keyId, privateKey, publicKey),
    mac: (text) => tipMac(macKey, text),
  };
}

/** The public key (hex) an auditor needs, derived from the secret the server signs with. */
export function publicKeyFromSecret(secret: string): string {
  return rawPublicKey(createPublicKey(privateKeyFromSecret(secret)));
}

/** The tip MAC for holders of the secret who do not sign (the offline verifier). */
export function tipMacFromSecret(secret: string): (text: string) => string {
  const key = tipKeyFromSecret(secret);
  return (text) => tipMac(key, text);
}

function tipMac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

function tipKeyFromSecret(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), TIP_INFO, 32));
}

function privateKeyFromSecret(secret: string): KeyObject {
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), ED25519_INFO, 32));
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('hex');
}
