import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ApiKey } from './keys.js';

/**
 * The key file (CORTEX_API_KEYS_FILE), JSON or YAML by its extension (.json, .yaml, .yml; by its
 * first character otherwise):
 *
 *   keys:
 *     - id: k-3f9a1c2e
 *       principal: alice
 *       roles: [read, write]
 *       namespaces: ["team-a/*"]
 *       token_sha256: <64 hex digits>      # or: certificate: "URI:spiffe://example.org/ci"
 *       created_at: "2025-11-25T12:00:00Z"
 *
 * It never holds a token, only its SHA-256.
 */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

const FIELDS: ReadonlyArray<[keyof ApiKey, string]> = [
  ['id', 'id'],
  ['principal', 'principal'],
  ['roles', 'roles'],
  ['namespaces', 'namespaces'],
  ['tokenSha256', 'token_sha256'],
  ['certificate', 'certificate'],
  ['createdAt', 'created_at'],
];

export async function readKeyFile(path: string): Promise<ApiKey[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    throw new KeyFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseKeyDocument(text, isJson(path, text));
}

export function parseKeyDocument(text: string, json: boolean): ApiKey[] {
  let document: unknown;
  try {
    document = json ? JSON.parse(text) : parseYaml(text);
  } catch (error: unknown) {
    throw new KeyFileError(`not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  // An empty file is a file with no keys yet: every call is refused until one is added.
  if (document === null || document === undefined) return [];
  const keys = (document as { keys?: unknown }).keys ?? [];
  if (typeof document !== 'object' || !Array.isArray(keys)) throw new KeyFileError('must be an object with a "keys" list');
  return keys.map((entry: unknown, i) => fromDocument(entry, i));
}

/** Writes the whole file anew (owner-only, atomically: a reader sees the old file or the new one). */
export async function writeKeyFile(path: string, keys: readonly ApiKey[], existingText = ''): Promise<void> {
  const document = { keys: keys.map(toDocument) };
  const text = isJson(path, existingText) ? `${JSON.stringify(document, null, 2)}\n` : stringifyYaml(document);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

function isJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return true;
  if (extension === '.yaml' || extension === '.yml') return false;
  return text.trimStart().startsWith('{');
}

function fromDocument(entry: unknown, index: number): ApiKey {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new KeyFileError(`key ${index + 1} must be an object`);
  const record = entry as Record<string, unknown>;
  const known = new Set(FIELDS.map(([, name]) => name));
  const unknown = Object.keys(record).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new KeyFileError(`key ${index + 1} has unknown field(s) ${unknown.join(', ')}`);
  const key: Record<string, unknown> = {};
  for (const [field, name] of FIELDS) if (record[name] !== undefined) key[field] = record[name];
  return key as unknown as ApiKey;
}

function toDocument(key: ApiKey): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, name] of FIELDS) if (key[field] !== undefined) record[name] = key[field];
  return record;
}
