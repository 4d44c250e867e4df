import type { Db } from '../storage/index.js';

/** What identifies a sealed segment and its archive file: shared by the store's row and the manifest. */
export interface SegmentRange {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly entryCount: number;
  /** prev_hash of the first entry: the link to the segment before. */
  readonly firstPrevHash: string;
  readonly lastHash: string;
  readonly firstTime: number;
  readonly lastTime: number;
  /** File name inside the archive directory. */
  readonly file: string;
  /** Hex SHA-256 of the compressed file. */
  readonly sha256: string;
  readonly bytes: number;
}

/** A sealed run of entries written to the cold archive (one `ledger_segments` row). */
export interface SegmentRecord extends SegmentRange {
  readonly archivedAt: number;
  /** True while the entries are also still in the live database. */
  readonly live: boolean;
  /** When retention deleted the archived file; null while it exists. */
  readonly expiredAt: number | null;
}

interface SegmentRow {
  first_seq: number;
  last_seq: number;
  entry_count: number;
  first_prev_hash: string;
  last_hash: string;
  first_time: number;
  last_time: number;
  file: string;
  sha256: string;
  bytes: number;
  archived_at: number;
  live: number;
  expired_at: number | null;
}

export interface SegmentStore {
  /** Every segment ever sealed, ascending seq (expired ones included). */
  all(): SegmentRecord[];
  /** Segments whose archive file still exists, ascending seq. */
  archived(): SegmentRecord[];
  last(): SegmentRecord | undefined;
  insert(segment: SegmentRecord): void;
  markPruned(firstSeq: number): void;
  markExpired(firstSeq: number, at: number): void;
}

/** Reads only until a write is asked for, so it also works on a read-only database (the CLI). */
export function createSegmentStore(db: Db): SegmentStore {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_segments'").get();
  if (!hasTable) {
    const missing = () => {
      throw new Error('ledger_segments table missing: database not migrated');
    };
    return { all: () => [], archived: () => [], last: () => undefined, insert: missing, markPruned: missing, markExpired: missing };
  }
  const all = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments ORDER BY first_seq');
  const archived = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments WHERE expired_at IS NULL ORDER BY first_seq');
  const last = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments ORDER BY first_seq DESC LIMIT 1');
  const write = (sql: string) => {
    let stmt: ReturnType<Db['prepare']> | undefined;
    return (...params: unknown[]) => (stmt ??= db.prepare(sql)).run(...params);
  };
  const insert = write(
    `INSERT INTO ledger_segments (first_seq, last_seq, entry_count, first_prev_hash, last_hash, first_time, last_time,
       file, sha256, bytes, archived_at, live, expired_at)
     VALUES (@firstSeq, @lastSeq, @entryCount, @firstPrevHash, @lastHash, @firstTime, @lastTime,
       @file, @sha256, @bytes, @archivedAt, @live, @expiredAt)`,
  );
  const markPruned = write('UPDATE ledger_segments SET live = 0 WHERE first_seq = ?');
  const markExpired = write('UPDATE ledger_segments SET expired_at = ? WHERE first_seq = ?');
  return {
    all: () => all.all().map(fromRow),
    archived: () => archived.all().map(fromRow),
    last: () => {
      const row = last.get();
      return row ? fromRow(row) : undefined;
    },
    insert: (segment) => insert({ ...segment, live: segment.live ? 1 : 0 }),
    markPruned: (firstSeq) => markPruned(firstSeq),
    markExpired: (firstSeq, at) => markExpired(at, firstSeq),
  };
}

function fromRow(row: SegmentRow): SegmentRecord {
  return {
    firstSeq: row.first_seq,
    lastSeq: row.last_seq,
    entryCount: row.entry_count,
    firstPrevHash: row.first_prev_hash,
    lastHash: row.last_hash,
    firstTime: row.first_time,
    lastTime: row.last_time,
    file: row.file,
    sha256: row.sha256,
    bytes: row.bytes,
    archivedAt: row.archived_at,
    live: row.live === 1,
    expiredAt: row.expired_at,
  };
}
