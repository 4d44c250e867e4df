import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Outside production, when no CORTEX_SIGNING_KEY is set, checkpoints are signed with a key kept
 * in the data directory, so they still verify after a restart and with `cortex ledger verify`
 * on a copy of the directory. Anyone who can read the directory can forge signatures with it:
 * development only, and the server says so loudly.
 */
export const DEV_KEY_PATH = join('ledger', 'dev-signing-key');
export const DEV_KEY_ID = 'dev';

export function readDevKey(dataDir: string): string | undefined {
  const path = join(dataDir, DEV_KEY_PATH);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

export function loadOrCreateDevKey(dataDir: string): { secret: string; path: string; created: boolean } {
  const path = join(dataDir, DEV_KEY_PATH);
  const existing = readDevKey(dataDir);
  if (existing) return { secret: existing, path, created: false };
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, path, created: true };
}
