import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncPath, writeFileSynced } from '../storage/durable-files.js';

/**
 * The last trusted head: the newest signed head the server made durable, as its signed note, in
 * `<data dir>/ledger/trusted-head` and, when CORTEX_LEDGER_TRUSTED_HEAD_FILE is set, also there
 * (outside the data directory, out of reach of whoever can rewrite it). Start-up verifies the
 * ledger from it; `cortex ledger head --out` writes the same format.
 */
export const TRUSTED_HEAD_PATH = join('ledger', 'trusted-head');

export interface TrustedHeadFiles {
  /** `<data dir>/ledger/trusted-head`. */
  readonly dataDir: string;
  /** CORTEX_LEDGER_TRUSTED_HEAD_FILE, when set. */
  readonly outside?: string | undefined;
}

export function trustedHeadFiles(dataDir: string, outside: string | undefined): TrustedHeadFiles {
  return { dataDir: join(dataDir, TRUSTED_HEAD_PATH), outside };
}

/** A head file's note, or undefined when the file does not exist. */
export async function readHeadFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces a head file atomically (temporary file, fsync, rename, fsync of the directory). */
export async function writeHeadFile(path: string, note: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFileSynced(tmp, note);
  await rename(tmp, path);
  await syncPath(dirname(path));
}
