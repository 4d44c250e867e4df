import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { once } from 'node:events';
import { createGzip, createGunzip } from 'node:zlib';
import { errorMessage } from '../errors.js';
import { syncPath, writeFileSynced } from '../storage/durable-files.js';
import { ENCODING_NAMES, isEncodingVersion, type LedgerEntry } from './chain.js';
import type { SegmentRange, SegmentRecord } from './segments.js';
import type { Checkpoint } from './signing.js';

/**
 * The cold archive: one gzip-compressed NDJSON file per sealed segment (one entry per line, the
 * stored fields under the names of LedgerEntry) plus a JSON manifest beside it. Both are
 * written to a temporary name, fsynced and renamed, so a crash never leaves a half file under
 * the final name. Format in docs/ledger.md.
 */
export const SEGMENT_FORMAT = 'cortex.ledger.segment.v1';

export interface SegmentManifest extends SegmentRange {
  readonly format: string;
  readonly encoding: string;
  readonly createdAt: number;
  /** The signed checkpoint of the segment's last entry. */
  readonly checkpoint: Checkpoint | null;
}

export class ArchiveFormatError extends Error {
  override readonly name = 'ArchiveFormatError';
}

export interface Archive {
  readonly dir: string;
  /** Writes pages of consecutive entries as one segment; returns its record (live, not expired). */
  write(pages: AsyncIterable<readonly LedgerEntry[]>, checkpoint: Checkpoint | undefined, now: number): Promise<SegmentRecord>;
  /** The segment's entries in file order; throws ArchiveFormatError on a malformed file. */
  read(segment: Pick<SegmentRecord, 'file'>): AsyncGenerator<LedgerEntry>;
  readManifest(segment: Pick<SegmentRecord, 'file'>): Promise<SegmentManifest>;
  /** Hex SHA-256 of the compressed file, or undefined when it is missing. */
  checksum(segment: Pick<SegmentRecord, 'file'>): Promise<string | undefined>;
  remove(segment: Pick<SegmentRecord, 'file'>): Promise<void>;
}

const ENTRY_FIELDS: ReadonlyArray<[keyof LedgerEntry, 'number' | 'string']> = [
  ['seq', 'number'],
  ['txId', 'number'],
  ['time', 'number'],
  ['namespace', 'string'],
  ['actor', 'string'],
  ['action', 'string'],
  ['subject', 'string'],
  ['agentId', 'string'],
  ['payload', 'string'],
  ['correlationId', 'string'],
  ['prevHash', 'string'],
  ['hash', 'string'],
];

export function createArchive(dir: string): Archive {
  const path = (file: string) => join(dir, file);
  const manifestName = (file: string) => file.replace(/\.ndjson\.gz$/, '.manifest.json');

  return {
    dir,
    async write(pages, checkpoint, now) {
      await mkdir(dir, { recursive: true });
      const tmp = path(`.segment-${process.pid}-${now}.tmp`);
      const hash = createHash('sha256');
      let bytes = 0;
      let first: LedgerEntry | undefined;
      let last: LedgerEntry | undefined;
      let count = 0;
      const gzip = createGzip();
      const out = createWriteStream(tmp);
      gzip.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      const done = new Promise<void>((resolve, reject) => pipeline(gzip, out, (error) => (error ? reject(error) : resolve())));
      try {
        for await (const page of pages) {
          if (page.length === 0) continue;
          first ??= page[0];
          last = page.at(-1);
          count += page.length;
          if (!gzip.write(page.map(serializeEntry).join(''))) await once(gzip, 'drain');
        }
        gzip.end();
        await done;
        if (first === undefined || last === undefined) throw new Error('cannot archive an empty segment');
        await syncPath(tmp);
        const file = `segment-${pad(first.seq)}-${pad(last.seq)}.ndjson.gz`;
        const record: SegmentRecord = {
          firstSeq: first.seq,
          lastSeq: last.seq,
          entryCount: count,
          firstPrevHash: first.prevHash,
          lastHash: last.hash,
          firstTime: first.time,
          lastTime: last.time,
          file,
          sha256: hash.digest('hex'),
          bytes,
          archivedAt: now,
          live: true,
          expiredAt: null,
        };
        const manifest: SegmentManifest = {
          format: SEGMENT_FORMAT,
          encoding: ENCODING_NAMES[last.encoding],
          file,
          firstSeq: record.firstSeq,
          lastSeq: record.lastSeq,
          entryCount: record.entryCount,
          firstPrevHash: record.firstPrevHash,
          lastHash: record.lastHash,
          firstTime: record.firstTime,
          lastTime: record.lastTime,
          sha256: record.sha256,
          bytes: record.bytes,
          createdAt: now,
          checkpoint: checkpoint ?? null,
        };
        await rename(tmp, path(file));
        const manifestPath = path(manifestName(file));
        await writeFileSynced(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
        await rename(`${manifestPath}.tmp`, manifestPath);
        await syncPath(dir);
        return record;
      } catch (error: unknown) {
        gzip.destroy();
        await rm(tmp, { force: true });
        throw error;
      }
    },

    async *read(segment) {
      const source = createReadStream(path(segment.file));
      const gunzip = pipeline(source, createGunzip(), () => undefined);
      let rest = '';
      try {
        for await (const chunk of gunzip) {
          const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) yield parseEntry(line);
        }
      } catch (error: unknown) {
        if (error instanceof ArchiveFormatError) throw error;
        throw new ArchiveFormatError(`cannot read ${segment.file}: ${errorMessage(error)}`);
      } finally {
        gunzip.destroy();
      }
      if (rest !== '') throw new ArchiveFormatError(`${segment.file} ends in the middle of a line`);
    },

    async readManifest(segment) {
      const text = await readFile(path(manifestName(segment.file)), 'utf8');
      return JSON.parse(text) as SegmentManifest;
    },

    async checksum(segment) {
      const hash = createHash('sha256');
      try {
        for await (const chunk of createReadStream(path(segment.file))) hash.update(chunk as Buffer);
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return hash.digest('hex');
    },

    async remove(segment) {
      await rm(path(segment.file), { force: true });
      await rm(path(manifestName(segment.file)), { force: true });
    },
  };
}

/** Lines of encoding-1 entries hold the fields of ENTRY_FIELDS only, as they always did. */
export function serializeEntry(entry: LedgerEntry): string {
  const record: Record<string, unknown> = {};
  for (const [field] of ENTRY_FIELDS) record[field] = entry[field];
  if (entry.encoding !== 1) Object.assign(record, { onBehalfOf: entry.onBehalfOf, encoding: entry.encoding });
  return `${JSON.stringify(record)}\n`;
}

function parseEntry(line: string): LedgerEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new ArchiveFormatError('malformed archived entry (not JSON)');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ArchiveFormatError('malformed archived entry');
  const record = parsed as Record<string, unknown>;
  for (const [field, type] of ENTRY_FIELDS) {
    if (typeof record[field] !== type) throw new ArchiveFormatError(`malformed archived entry (field ${field})`);
  }
  const { encoding = 1, onBehalfOf = '' } = record;
  if (!isEncodingVersion(encoding)) throw new ArchiveFormatError('malformed archived entry (field encoding)');
  if (typeof onBehalfOf !== 'string') throw new ArchiveFormatError('malformed archived entry (field onBehalfOf)');
  return { ...(record as unknown as LedgerEntry), encoding, onBehalfOf };
}

function pad(seq: number): string {
  return String(seq).padStart(16, '0');
}
