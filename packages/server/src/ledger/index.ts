import type { Db, Tx } from '../storage/index.js';
import { GENESIS_HASH, hashEntry, type LedgerEntry } from './chain.js';

export type { LedgerEntry } from './chain.js';
export { canonicalEncoding, hashEntry, GENESIS_HASH, ENCODING_VERSION } from './chain.js';

/** What a caller says happened; the ledger adds seq, time, links and hashes. */
export interface LedgerEvent {
  readonly namespace: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly agentId?: string;
  readonly payload?: Record<string, unknown>;
  readonly correlationId?: string;
}

export interface LedgerHead {
  readonly seq: number;
  readonly hash: string;
}

export interface Ledger {
  /** Appends events inside the caller's transaction; they are published once it commits. */
  append(tx: Tx, events: readonly LedgerEvent[]): LedgerEntry[];
  head(): LedgerHead;
  entries(fromSeq: number, toSeq: number, limit: number): LedgerEntry[];
  /** Called with each committed transaction's entries, in commit order. */
  onCommit(listener: (entries: readonly LedgerEntry[]) => void): () => void;
}

export interface LedgerDeps {
  readonly db: Db;
  readonly clock: () => number;
}

interface EntryRow {
  seq: number;
  tx_id: number;
  time: number;
  namespace: string;
  actor: string;
  action: string;
  subject: string;
  agent_id: string;
  payload: string;
  correlation_id: string;
  prev_hash: string;
  hash: string;
}

export function createLedger({ db, clock }: LedgerDeps): Ledger {
  const headStmt = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1');
  const insertStmt = db.prepare(
    `INSERT INTO ledger (seq, tx_id, time, namespace, actor, action, subject, agent_id, payload, correlation_id, prev_hash, hash)
     VALUES (@seq, @txId, @time, @namespace, @actor, @action, @subject, @agentId, @payload, @correlationId, @prevHash, @hash)`,
  );
  const rangeStmt = db.prepare<[number, number, number], EntryRow>(
    'SELECT * FROM ledger WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?',
  );
  const listeners = new Set<(entries: readonly LedgerEntry[]) => void>();

  const head = (): LedgerHead => headStmt.get() ?? { seq: 0, hash: GENESIS_HASH };

  return {
    head,
    append(tx, events) {
      if (events.length === 0) return [];
      let { seq, hash: prevHash } = head();
      const txId = seq + 1;
      const time = clock();
      const entries = events.map((event) => {
        seq += 1;
        const unhashed = {
          seq,
          txId,
          time,
          namespace: event.namespace,
          actor: event.actor,
          action: event.action,
          subject: event.subject,
          agentId: event.agentId ?? '',
          payload: JSON.stringify(event.payload ?? {}),
          correlationId: event.correlationId ?? '',
          prevHash,
        };
        const entry: LedgerEntry = { ...unhashed, hash: hashEntry(unhashed) };
        insertStmt.run(entry);
        prevHash = entry.hash;
        return entry;
      });
      tx.afterCommit(() => {
        for (const listener of listeners) listener(entries);
      });
      return entries;
    },
    entries(fromSeq, toSeq, limit) {
      return rangeStmt.all(fromSeq, toSeq, limit).map(fromRow);
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function fromRow(row: EntryRow): LedgerEntry {
  return {
    seq: row.seq,
    txId: row.tx_id,
    time: row.time,
    namespace: row.namespace,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    agentId: row.agent_id,
    payload: row.payload,
    correlationId: row.correlation_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
