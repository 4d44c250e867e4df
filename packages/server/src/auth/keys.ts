import { createHash, randomBytes } from 'node:crypto';
import { NamespaceScope } from './namespaces.js';
import { ROLES, type Principal, type Role } from './policy.js';

/**
 * One API key as the key file holds it. A key proves its principal either by a bearer token
 * (only the token's SHA-256 is kept) or by a client certificate (mutual TLS) whose subject CN or
 * subject alternative name matches `certificate`.
 */
export interface ApiKey {
  readonly id: string;
  readonly principal: string;
  readonly roles: readonly Role[];
  /** Absent for admin keys, which hold every namespace. */
  readonly namespaces?: readonly string[];
  /** Lowercase hex SHA-256 of the token. */
  readonly tokenSha256?: string;
  /** "CN=<common name>", "DNS:<name>", "URI:<uri>" or "email:<address>". */
  readonly certificate?: string;
  /** ISO 8601, informational. */
  readonly createdAt?: string;
}

/** A key ready to authenticate with: what it proves, and the principal it yields. */
export interface LoadedKey {
  readonly id: string;
  readonly tokenSha256: Buffer | undefined;
  readonly certificate: string | undefined;
  readonly principal: Principal;
}

export const TOKEN_PREFIX = 'ctx_';
const PRINCIPAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:/+-]{0,127}$/;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const CERTIFICATE_MATCH = /^(CN=|DNS:|URI:|email:).+$/;

/** A new bearer token: 32 random bytes, base64url, with a prefix secret scanners can spot. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newKeyId(): string {
  return `k-${randomBytes(4).toString('hex')}`;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Checks keys and turns them into principals; returns every problem found, so a bad key file is
 * reported whole (and a reload that finds problems keeps the keys already loaded).
 */
export function loadKeys(keys: readonly ApiKey[]): { keys: LoadedKey[]; problems: string[] } {
  const problems: string[] = [];
  const loaded: LoadedKey[] = [];
  const ids = new Set<string>();
  keys.forEach((key, i) => {
    const where = `key ${i + 1}${typeof key.id === 'string' ? ` ("${key.id}")` : ''}`;
    const own = keyProblems(key);
    if (ids.has(key.id)) own.push('its id is used by an earlier key');
    ids.add(key.id);
    if (own.length > 0) {
      problems.push(...own.map((p) => `${where}: ${p}`));
      return;
    }
    loaded.push({
      id: key.id,
      tokenSha256: key.tokenSha256 === undefined ? undefined : Buffer.from(key.tokenSha256, 'hex'),
      certificate: key.certificate,
      principal: principalOf(key),
    });
  });
  return { keys: loaded, problems };
}

function keyProblems(key: ApiKey): string[] {
  const problems: string[] = [];
  if (typeof key.id !== 'string' || !ID_PATTERN.test(key.id)) problems.push('id must be 1-64 characters of [A-Za-z0-9._-]');
  problems.push(...principalProblems(key.principal));
  const roles: unknown = key.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
    problems.push(`roles must list one or more of ${ROLES.join(', ')}`);
  }
  const admin = Array.isArray(key.roles) && key.roles.includes('admin');
  if (admin && key.namespaces !== undefined) problems.push('an admin key holds every namespace: leave namespaces out');
  if (!admin) problems.push(...namespaceProblems(key.namespaces));
  const proofs = Number(key.tokenSha256 !== undefined) + Number(key.certificate !== undefined);
  if (proofs !== 1) problems.push('needs exactly one of token_sha256 and certificate');
  if (key.tokenSha256 !== undefined && (typeof key.tokenSha256 !== 'string' || !SHA256_HEX.test(key.tokenSha256))) {
    problems.push('token_sha256 must be 64 lowercase hex digits');
  }
  if (key.certificate !== undefined && (typeof key.certificate !== 'string' || !CERTIFICATE_MATCH.test(key.certificate))) {
    problems.push('certificate must be "CN=<name>", "DNS:<name>", "URI:<uri>" or "email:<address>"');
  }
  return problems;
}

export function principalProblems(principal: unknown): string[] {
  if (typeof principal !== 'string' || !PRINCIPAL_PATTERN.test(principal)) {
    return ['principal must be 1-128 characters of [A-Za-z0-9._@:/+-], starting with a letter or digit'];
  }
  // These name the server itself in the ledger; a key must not be able to act as it.
  if (principal === 'anonymous' || principal.startsWith('system:')) return [`principal "${principal}" is reserved`];
  return [];
}

function namespaceProblems(namespaces: unknown): string[] {
  if (!Array.isArray(namespaces) || namespaces.length === 0) return ['namespaces must list one or more namespaces (or "*")'];
  if (!namespaces.every((n) => typeof n === 'string')) return ['namespaces must be strings'];
  try {
    NamespaceScope.parse(namespaces);
    return [];
  } catch (error: unknown) {
    return [(error as Error).message];
  }
}

function principalOf(key: ApiKey): Principal {
  const admin = key.roles.includes('admin');
  return {
    name: key.principal,
    roles: new Set(key.roles),
    namespaces: admin ? NamespaceScope.EVERYTHING : NamespaceScope.parse(key.namespaces ?? []),
  };
}
