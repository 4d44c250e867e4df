import type { Db } from '../storage/index.js';
import type { Checkpoint } from './signing.js';

interface CheckpointRow {
  seq: number;
  hash: string;
  time: number;
  key_id: string;
  algorithm: string;
  public_key: string;
  signature: string;
}

export interface CheckpointStore {
  /** Idempotent: a checkpoint already recorded for the seq is kept. */
  insert(cp: Checkpoint): void;
  latest(): Checkpoint | undefined;
  at(seq: number): Checkpoint | undefined;
  inRange(fromSeq: number, toSeq: number): Checkpoint[];
  /** Checkpoints after a seq: evidence that entries up to them existed. */
  after(seq: number): Checkpoint[];
}

/** Reads only, so it also works on a read-only database (the CLI). */
export function createCheckpointStore(db: Db): CheckpointStore {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_checkpoints'").get();
  if (!hasTable) return emptyStore();
  const latest = db.prepare<[], CheckpointRow>('SELECT * FROM ledger_checkpoints ORDER BY seq DESC LIMIT 1');
  const at = db.prepare<[number], CheckpointRow>('SELECT * FROM ledger_checkpoints WHERE seq = ?');
  const range = db.prepare<[number, number], CheckpointRow>('SELECT * FROM ledger_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq');
  const after = db.prepare<[number], CheckpointRow>('SELECT * FROM ledger_checkpoints WHERE seq > ? ORDER BY seq');
  let insert: ReturnType<Db['prepare']> | undefined;
  return {
    insert(cp) {
      insert ??= db.prepare(
        `INSERT OR IGNORE INTO ledger_checkpoints (seq, hash, time, key_id, algorithm, public_key, signature)
         VALUES (@seq, @hash, @time, @keyId, @algorithm, @publicKey, @signature)`,
      );
      insert.run(cp);
    },
    latest: () => fromRow(latest.get()),
    at: (seq) => fromRow(at.get(seq)),
    inRange: (fromSeq, toSeq) => range.all(fromSeq, toSeq).map((row) => fromRow(row)!),
    after: (seq) => after.all(seq).map((row) => fromRow(row)!),
  };
}

function emptyStore(): CheckpointStore {
  return {
    insert: () => {
      throw new Error('ledger_checkpoints table missing: database not migrated');
    },
    latest: () => undefined,
    at: () => undefined,
    inRange: () => [],
    after: () => [],
  };
}

function fromRow(row: CheckpointRow | undefined): Checkpoint | undefined {
  if (row === undefined) return undefined;
  return {
    seq: row.seq,
    hash: row.hash,
    time: row.time,
    keyId: row.key_id,
    algorithm: row.algorithm,
    publicKey: row.public_key,
    signature: row.signature,
  };
}
