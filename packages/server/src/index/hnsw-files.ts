// On-disk form of the HNSW index: the hnswlib file plus a JSON sidecar that says what it holds.
// Both are replaced by write-temp-then-rename, index first; a crash between the two renames leaves
// a checksum mismatch, which the loader treats as corrupt and rebuilds from SQLite.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncPath, writeFileSynced } from '../storage/durable-files.js';

export const HNSW_FORMAT_VERSION = 1;

export interface HnswFileMeta {
  readonly formatVersion: number;
  readonly space: 'cosine';
  readonly dimensions: number;
  /** Live (not deleted) vectors. */
  readonly count: number;
  /** Labels still occupying a slot as deleted; hnswlib does not expose which slots are deleted. */
  readonly deletedLabels: readonly number[];
  /** The last database change the index reflects. */
  readonly lastChange: number;
  readonly bytes: number;
  /** `sha256:<hex>` of the index file. */
  readonly checksum: string;
  readonly m: number;
  readonly efConstruction: number;
  readonly savedAt: string;
}

export function metaPathFor(indexPath: string): string {
  return `${indexPath}.meta.json`;
}

export async function checksumFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Moves an already written temp index file into place and writes its sidecar.
 * `meta` is everything except what is measured from the file itself.
 */
export async function commitIndexFile(
  indexPath: string,
  tempPath: string,
  meta: Omit<HnswFileMeta, 'bytes' | 'checksum' | 'formatVersion' | 'savedAt'>,
): Promise<HnswFileMeta> {
  const metaPath = metaPathFor(indexPath);
  const metaTemp = `${tempPath}.meta`;
  try {
    await syncPath(tempPath);
    const [checksum, info] = await Promise.all([checksumFile(tempPath), stat(tempPath)]);
    const full: HnswFileMeta = {
      formatVersion: HNSW_FORMAT_VERSION,
      ...meta,
      bytes: info.size,
      checksum,
      savedAt: new Date().toISOString(),
    };
    await writeFileSynced(metaTemp, JSON.stringify(full));
    await rename(tempPath, indexPath);
    await rename(metaTemp, metaPath);
    await syncPath(dirname(indexPath)).catch(() => undefined); // not every platform can fsync a directory
    return full;
  } catch (err) {
    await Promise.all([rm(tempPath, { force: true }), rm(metaTemp, { force: true })]);
    throw err;
  }
}

export type RebuildReason = 'missing' | 'corrupt' | 'incompatible' | 'stale';

export type MetaCheck =
  | { readonly ok: true; readonly meta: HnswFileMeta }
  | { readonly ok: false; readonly reason: RebuildReason; readonly detail: string };

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function isNonNegativeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseMeta(text: string): HnswFileMeta | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const ok =
    isNonNegativeInt(m.formatVersion) &&
    m.space === 'cosine' &&
    isNonNegativeInt(m.dimensions) &&
    isNonNegativeInt(m.count) &&
    Array.isArray(m.deletedLabels) &&
    m.deletedLabels.every(isNonNegativeInt) &&
    typeof m.lastChange === 'number' &&
    isNonNegativeInt(m.bytes) &&
    typeof m.checksum === 'string' &&
    isNonNegativeInt(m.m) &&
    isNonNegativeInt(m.efConstruction) &&
    typeof m.savedAt === 'string';
  return ok ? (m as unknown as HnswFileMeta) : undefined;
}

/** Decides whether the file at `indexPath` may be loaded; reads and hashes it, never throws for bad files. */
export async function checkIndexFile(
  indexPath: string,
  expected: { readonly dimensions: number; readonly lastChange: number },
): Promise<MetaCheck> {
  let text: string;
  try {
    text = await readFile(metaPathFor(indexPath), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { ok: false, reason: 'missing', detail: 'no index meta file' };
    return { ok: false, reason: 'corrupt', detail: `cannot read index meta: ${String(err)}` };
  }
  const meta = parseMeta(text);
  if (!meta) return { ok: false, reason: 'corrupt', detail: 'index meta is not valid' };
  if (meta.formatVersion !== HNSW_FORMAT_VERSION) {
    return { ok: false, reason: 'incompatible', detail: `format version ${meta.formatVersion}, expected ${HNSW_FORMAT_VERSION}` };
  }
  if (meta.dimensions !== expected.dimensions) {
    return { ok: false, reason: 'incompatible', detail: `index has ${meta.dimensions} dimensions, expected ${expected.dimensions}` };
  }
  if (meta.lastChange !== expected.lastChange) {
    return { ok: false, reason: 'stale', detail: `index reflects change ${meta.lastChange}, database is at ${expected.lastChange}` };
  }
  let size: number;
  try {
    size = (await stat(indexPath)).size;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { ok: false, reason: 'missing', detail: 'no index file' };
    return { ok: false, reason: 'corrupt', detail: `cannot stat index file: ${String(err)}` };
  }
  if (size !== meta.bytes) return { ok: false, reason: 'corrupt', detail: `index file is ${size} bytes, meta says ${meta.bytes}` };
  const checksum = await checksumFile(indexPath).catch((err: unknown) => `unreadable: ${String(err)}`);
  if (checksum !== meta.checksum) return { ok: false, reason: 'corrupt', detail: 'index file checksum does not match its meta' };
  return { ok: true, meta };
}
