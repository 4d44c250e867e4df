import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { generateToken, sha256, type Role } from '../src/auth/index.js';

export interface TestKey {
  readonly principal: string;
  readonly roles: readonly Role[];
  readonly namespaces?: readonly string[];
  /** A bearer token (only its hash goes into the file), or a client certificate to match. */
  readonly token?: string;
  readonly certificate?: string;
}

/** A key with a fresh token. */
export function tokenKey(principal: string, roles: readonly Role[], namespaces?: readonly string[]): TestKey & { token: string } {
  return { principal, roles, ...(namespaces ? { namespaces } : {}), token: generateToken() };
}

/** Writes a YAML key file as an operator would (token hashes only); returns its path. */
export function writeKeyFile(dir: string, keys: readonly TestKey[], name = 'keys.yaml'): string {
  const path = join(dir, name);
  const document = {
    keys: keys.map((key, i) => ({
      id: `${key.principal}-${i}`,
      principal: key.principal,
      roles: key.roles,
      ...(key.namespaces ? { namespaces: key.namespaces } : {}),
      ...(key.token ? { token_sha256: sha256(key.token).toString('hex') } : { certificate: key.certificate }),
    })),
  };
  writeFileSync(path, stringify(document), { mode: 0o600 });
  return path;
}

export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
