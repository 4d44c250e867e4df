import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Where a LedgerVerifier keeps the last head it trusted (its signed note), so the next process
 * picks up where this one left off. Implement it over any storage: a file, a database row, a
 * secrets store. Keep one per server (per ledger).
 */
export interface HeadStore {
  load(): Promise<string | undefined>;
  save(note: string): Promise<void>;
}

/** Keeps the head for the life of the process only. */
export class MemoryHeadStore implements HeadStore {
  #note: string | undefined;

  load(): Promise<string | undefined> {
    return Promise.resolve(this.#note);
  }

  save(note: string): Promise<void> {
    this.#note = note;
    return Promise.resolve();
  }
}

/** Keeps the head in a file, replaced atomically (written beside it, then renamed). */
export class FileHeadStore implements HeadStore {
  constructor(readonly path: string) {}

  async load(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(note: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, note, 'utf8');
    await rename(tmp, this.path);
  }
}
