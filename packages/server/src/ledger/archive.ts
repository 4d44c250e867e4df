import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { once } from 'node:events';
import { createGzip, createGunzip } from 'node:zlib';
import { errorMessage } from '../errors.js';
import { syncPath, writeFileSynced } from '../storage/durable-files.js';
import { isEncodingVersion, type LedgerEntry } from './chain.js';

/**
 * The cold archive: one gzip-compressed NDJSON file per sealed segment (one entry per line, the
 * stored fields under the names of LedgerEntry) plus a manifest beside it, a signed note
 * (note.ts) whose text is exactly
 *
 *   cortex.ledger.segment.v2
 *   <first seq>
 *   <last seq>
 *   time <time of the last entry>
 *   last <hash of the last entry>
 *   sha256 <hex SHA-256 of the .ndjson.gz file>
 *
 * so every byte of the archive is vouched for by a key the verifier trusts. Both files are
 * written to a temporary name, fsynced and renamed: a crash never leaves half a file under the
 * final name. Format in docs/ledger.md.
 */
export const SEGMENT_FORMAT = 'cortex.ledger.segment.v2';

/** What a manifest vouches for; the segment record (segments.ts) holds the same. */
export interface SegmentManifest {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly lastTime: number;
  readonly lastHash: string;
  readonly sha256: string;
}

export class ArchiveFormatError extends Error {
  override readonly name = 'ArchiveFormatError';
}

export interface Archive {
  readonly dir: string;
  /**
   * Writes pages of consecutive entries (exactly the segment's) as its file, then its manifest
   * signed with `sign`; returns the file's SHA-256.
   */
  write(segment: Omit<SegmentManifest, 'sha256'>, pages: AsyncIterable<readonly LedgerEntry[]>, sign: (text: string) => string): Promise<string>;
  /** The segment's entries in file order; throws ArchiveFormatError on a malformed file. */
  read(segment: SegmentRange): AsyncGenerator<LedgerEntry>;
  /** The manifest's signed note as stored, or undefined when it is missing. */
  readManifest(segment: SegmentRange): Promise<string | undefined>;
  /** Hex SHA-256 of the compressed file, or undefined when it is missing. */
  checksum(segment: SegmentRange): Promise<string | undefined>;
  remove(segment: SegmentRange): Promise<void>;
  /** The ranges of every manifest in the directory, whatever the records say. */
  manifestRanges(): Promise<SegmentRange[]>;
}

export interface SegmentRange {
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export function manifestText(m: SegmentManifest): string {
  return [SEGMENT_FORMAT, String(m.firstSeq), String(m.lastSeq), `time ${m.lastTime}`, `last ${m.lastHash}`, `sha256 ${m.sha256}`, ''].join('\n');
}

const MANIFEST_LINES = [
  /^cortex\.ledger\.segment\.v2$/,
  /^[1-9]\d{0,15}$/,
  /^[1-9]\d{0,15}$/,
  /^time \d{1,16}$/,
  /^last [0-9a-f]{64}$/,
  /^sha256 [0-9a-f]{64}$/,
];

/** Parses a manifest's text; undefined unless it is exactly in the format above. */
export function parseManifest(text: string): SegmentManifest | undefined {
  const lines = text.split('\n').slice(0, -1);
  if (lines.length !== MANIFEST_LINES.length || lines.some((line, i) => !MANIFEST_LINES[i]!.test(line))) return undefined;
  const value = (i: number) => lines[i]!.slice(lines[i]!.indexOf(' ') + 1);
  const manifest = {
    firstSeq: Number(lines[1]),
    lastSeq: Number(lines[2]),
    lastTime: Number(value(3)),
    lastHash: value(4),
    sha256: value(5),
  };
  return manifestText(manifest) === text ? manifest : undefined;
}

export function segmentFile(segment: SegmentRange): string {
  return `segment-${pad(segment.firstSeq)}-${pad(segment.lastSeq)}.ndjson.gz`;
}

function manifestFile(segment: SegmentRange): string {
  return `segment-${pad(segment.firstSeq)}-${pad(segment.lastSeq)}.manifest`;
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

  return {
    dir,
    async write(segment, pages, sign) {
      await mkdir(dir, { recursive: true });
      const file = segmentFile(segment);
      const tmp = path(`.${file}.${process.pid}.tmp`);
      const hash = createHash('sha256');
      let count = 0;
      const gzip = createGzip();
      const out = createWriteStream(tmp);
      gzip.on('data', (chunk: Buffer) => hash.update(chunk));
      const done = new Promise<void>((resolve, reject) => pipeline(gzip, out, (error) => (error ? reject(error) : resolve())));
      try {
        for await (const page of pages) {
          count += page.length;
          if (page.length > 0 && !gzip.write(page.map(serializeEntry).join(''))) await once(gzip, 'drain');
        }
        gzip.end();
        await done;
        if (count !== segment.lastSeq - segment.firstSeq + 1) throw new Error(`segment ${file}: got ${count} entries`);
        await syncPath(tmp);
        await rename(tmp, path(file));
        const sha256 = hash.digest('hex');
        const manifestPath = path(manifestFile(segment));
        await writeFileSynced(`${manifestPath}.tmp`, sign(manifestText({ ...segment, sha256 })));
        await rename(`${manifestPath}.tmp`, manifestPath);
        await syncPath(dir);
        return sha256;
      } catch (error: unknown) {
        gzip.destroy();
        await rm(tmp, { force: true });
        throw error;
      }
    },

    async *read(segment) {
      const file = segmentFile(segment);
      const source = createReadStream(path(file));
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
        throw new ArchiveFormatError(`cannot read ${file}: ${errorMessage(error)}`);
      } finally {
        gunzip.destroy();
      }
      if (rest !== '') throw new ArchiveFormatError(`${file} ends in the middle of a line`);
    },

    async readManifest(segment) {
      try {
        return await readFile(path(manifestFile(segment)), 'utf8');
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },

    async checksum(segment) {
      const hash = createHash('sha256');
      try {
        for await (const chunk of createReadStream(path(segmentFile(segment)))) hash.update(chunk as Buffer);
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return hash.digest('hex');
    },

    async remove(segment) {
      await rm(path(segmentFile(segment)), { force: true });
      await rm(path(manifestFile(segment)), { force: true });
    },

    async manifestRanges() {
      let files: string[];
      try {
        files = await readdir(dir);
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      return files.flatMap((file) => {
        const match = /^segment-(\d{16})-(\d{16})\.manifest$/.exec(file);
        return match ? [{ firstSeq: Number(match[1]), lastSeq: Number(match[2]) }] : [];
      });
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
