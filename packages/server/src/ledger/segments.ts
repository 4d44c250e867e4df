import type { Db } from '../storage/index.js';

/**
 * A sealed run of entries written to the cold archive (one `ledger_segments` row). Every field is
 * vouched for by the segment's signed manifest (archive.ts) and its entries; `expired` by the
 * ledger entry that recorded the retention deletion.
 */
export interface SegmentRecord {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Time of the last entry: retention compares it with the cut-off. */
  readonly lastTime: number;
  /** Hash of the last entry: the link to the next segment, and the anchor after retention. */
  readonly lastHash: string;
  /** Hex SHA-256 of the compressed file; null while the files are being written. */
  readonly sha256: string | null;
  /** Retention deleted the files. */
  readonly expired: boolean;
}

interface SegmentRow {
  first_seq: number;
  last_seq: number;
  last_time: number;
  last_hash: string;
  sha256: string | null;
  expired: number;
}

export interface SegmentStore {
  /** Every segment ever sealed, ascending seq (expired and pending ones included). */
  all(): SegmentRecord[];
  /** Segments whose archive files exist (written and not expired), ascending seq. */
  archived(): SegmentRecord[];
  last(): SegmentRecord | undefined;
  /** Records a segment before its files are written (sha256 null). */
  insertPending(segment: Omit<SegmentRecord, 'sha256' | 'expired'>): void;
  /** The files are written: records their checksum. */
  complete(firstSeq: number, sha256: string): void;
  markExpired(firstSeq: number): void;
}

/** Owns ledger_segments. Reads only until a write is asked for, so it works on a read-only database (the CLI). */
export function createSegmentStore(db: Db): SegmentStore {
  const all = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments ORDER BY first_seq');
  const archived = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments WHERE expired = 0 AND sha256 IS NOT NULL ORDER BY first_seq');
  const last = db.prepare<[], SegmentRow>('SELECT * FROM ledger_segments ORDER BY first_seq DESC LIMIT 1');
  const write = (sql: string) => {
    let stmt: ReturnType<Db['prepare']> | undefined;
    return (...params: unknown[]) => (stmt ??= db.prepare(sql)).run(...params);
  };
  const insert = write(
    `INSERT INTO ledger_segments (first_seq, last_seq, last_time, last_hash, sha256, expired)
     VALUES (@firstSeq, @lastSeq, @lastTime, @lastHash, NULL, 0)`,
  );
  const complete = write('UPDATE ledger_segments SET sha256 = ? WHERE first_seq = ?');
  const markExpired = write('UPDATE ledger_segments SET expired = 1 WHERE first_seq = ?');
  return {
    all: () => all.all().map(fromRow),
    archived: () => archived.all().map(fromRow),
    last: () => {
      const row = last.get();
      return row ? fromRow(row) : undefined;
    },
    insertPending: ({ firstSeq, lastSeq, lastTime, lastHash }) => insert({ firstSeq, lastSeq, lastTime, lastHash }),
    complete: (firstSeq, sha256) => complete(sha256, firstSeq),
    markExpired: (firstSeq) => markExpired(firstSeq),
  };
}

function fromRow(row: SegmentRow): SegmentRecord {
  return {
    firstSeq: row.first_seq,
    lastSeq: row.last_seq,
    lastTime: row.last_time,
    lastHash: row.last_hash,
    sha256: row.sha256,
    expired: row.expired !== 0,
  };
}
