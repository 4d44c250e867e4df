// The bridge's position in the ledger: the first seq not yet delivered, in a small JSON file
// written after every delivered transaction. Written to a temporary file, flushed, renamed over
// the old one and the directory flushed, so a crash at any moment leaves the old cursor or the
// new one, never a torn file. A restart resumes from it: at least once, never a gap.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface CursorFile {
  /** The first seq not yet delivered; undefined when the file does not exist yet. */
  load(): Promise<number | undefined>;
  save(nextSeq: number): Promise<void>;
}

export class CursorError extends Error {
  override readonly name = 'CursorError';
}

export function cursorFile(path: string): CursorFile {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return parseCursor(path, text);
    },
    async save(nextSeq) {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(`${JSON.stringify({ nextSeq })}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await rename(temporary, path);
      } catch (error: unknown) {
        await rm(temporary, { force: true });
        throw error;
      }
      const directory = await open(dirname(path), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    },
  };
}

/** A cursor that cannot be read stops the bridge: starting over from scratch would be a surprise. */
function parseCursor(path: string, text: string): number {
  let nextSeq: unknown;
  try {
    nextSeq = (JSON.parse(text) as { nextSeq?: unknown }).nextSeq;
  } catch {
    throw new CursorError(`cursor file ${path} is not JSON; fix or remove it (removing it starts at --from-seq)`);
  }
  if (typeof nextSeq !== 'number' || !Number.isSafeInteger(nextSeq) || nextSeq < 0) {
    throw new CursorError(`cursor file ${path} holds no {"nextSeq": <integer >= 0>}; fix or remove it`);
  }
  return nextSeq;
}
