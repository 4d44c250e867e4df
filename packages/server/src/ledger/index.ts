import type { Db, Tx } from '../storage/index.js';
import { CURRENT_ENCODING, GENESIS_HASH, hashEntry, type LedgerEntry } from './chain.js';
import type { HeadSigner } from './head-signer.js';
import type { TreeHead } from './heads.js';
import { ENTRY_COLUMNS, entryFromTuple, type EntryTuple } from './rows.js';
import { createSegmentStore } from './segments.js';
import type { Signer } from './signing.js';
import type { TipStore } from './tip.js';
import type { TreeStore } from './tree.js';

export type { LedgerEntry } from './chain.js';
export { canonicalEncoding, hashEntry, GENESIS_HASH, CURRENT_ENCODING, ENCODING_NAMES } from './chain.js';

/** What a caller says happened; the ledger adds seq, time, links and hashes. */
export interface LedgerEvent {
  readonly namespace: string;
  /** The authenticated principal (or "system" for the server's own jobs). */
  readonly actor: string;
  /** Who the caller claims to act for; a claim, never the actor. */
  readonly onBehalfOf?: string;
  readonly action: string;
  readonly subject: string;
  readonly agentId?: string;
  readonly payload?: Record<string, unknown>;
  /** A JSON object already serialized; stored and hashed byte for byte. Wins over `payload`. */
  readonly payloadJson?: string;
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
  /** The oldest seq still in the live database; head.seq + 1 when it holds no entries. */
  oldestLiveSeq(): number;
  /** Live entries with fromSeq <= seq <= toSeq, ascending, at most limit. */
  entries(fromSeq: number, toSeq: number, limit: number): LedgerEntry[];
  /** Called with each committed transaction's entries, in commit order. */
  onCommit(listener: (entries: readonly LedgerEntry[]) => void): () => void;
}

/** What appending needs besides the entries table: without it the ledger only reads. */
export interface LedgerWriting {
  readonly tree: TreeStore;
  readonly tip: TipStore;
  readonly signer: Signer;
  /** Signs a head inside the transaction that reaches the one due. */
  readonly heads: HeadSigner;
  /** Throws while writes are refused (the ledger failed its integrity check). */
  readonly guard: () => void;
  /** Each head signed by an append, once its transaction has committed. */
  readonly onHead: (head: TreeHead) => void;
}

export interface LedgerDeps {
  readonly db: Db;
  readonly clock: () => number;
  readonly writing?: LedgerWriting;
  /** A listener that throws must not fail a write that already committed; it is reported here. */
  readonly reportError?: (error: unknown) => void;
}

export function createLedger({ db, clock, writing, reportError = console.error }: LedgerDeps): Ledger {
  const liveHead = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1');
  const liveOldest = db.prepare<[], { seq: number }>('SELECT seq FROM ledger ORDER BY seq LIMIT 1');
  const segments = createSegmentStore(db);
  const insertStmt = db.prepare(
    `INSERT INTO ledger (seq, tx_id, time, namespace, actor, on_behalf_of, action, subject, agent_id, payload, correlation_id, prev_hash, hash, encoding)
     VALUES (@seq, @txId, @time, @namespace, @actor, @onBehalfOf, @action, @subject, @agentId, @payload, @correlationId, @prevHash, @hash, @encoding)`,
  );
  // Raw rows (arrays) read about three times faster than objects; Verify and catch-up read a lot.
  const rangeStmt = db
    .prepare<[number, number, number], EntryTuple>(`SELECT ${ENTRY_COLUMNS} FROM ledger WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`)
    .raw(true);
  const listeners = new Set<(entries: readonly LedgerEntry[]) => void>();

  // Every archived entry may have left the live table: the head is then the last segment's end.
  const head = (): LedgerHead => {
    const live = liveHead.get();
    if (live) return live;
    const last = segments.last();
    return last ? { seq: last.lastSeq, hash: last.lastHash } : { seq: 0, hash: GENESIS_HASH };
  };

  return {
    head,
    oldestLiveSeq: () => liveOldest.get()?.seq ?? head().seq + 1,
    append(tx, events) {
      if (events.length === 0) return [];
      if (writing === undefined) throw new Error('this ledger was opened for reading only');
      writing.guard();
      const before = head();
      let { seq, hash: prevHash } = before;
      const firstSeq = seq + 1;
      const time = clock();
      const entries = events.map((event) => {
        seq += 1;
        const unhashed = {
          seq,
          txId: firstSeq,
          time,
          namespace: event.namespace,
          actor: event.actor,
          onBehalfOf: event.onBehalfOf ?? '',
          action: event.action,
          subject: event.subject,
          agentId: event.agentId ?? '',
          payload: event.payloadJson ?? JSON.stringify(event.payload ?? {}),
          correlationId: event.correlationId ?? '',
          prevHash,
          encoding: CURRENT_ENCODING,
        };
        const entry: LedgerEntry = { ...unhashed, hash: hashEntry(unhashed) };
        insertStmt.run(entry);
        prevHash = entry.hash;
        return entry;
      });
      writing.tree.append(before.seq, before.hash, entries.map((e) => e.hash));
      writing.tip.seal(seq, prevHash, writing.signer.mac);
      // Signed in the same transaction, a due head is never missing, even after a crash.
      const signed = seq >= writing.heads.nextDue() ? writing.heads.sign(seq, prevHash) : undefined;
      tx.afterCommit(() => {
        for (const listener of listeners) {
          try {
            listener(entries);
          } catch (error: unknown) {
            reportError(error);
          }
        }
        if (signed) writing.onHead(signed);
      });
      return entries;
    },
    entries(fromSeq, toSeq, limit) {
      return rangeStmt.all(fromSeq, toSeq, limit).map(entryFromTuple);
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
