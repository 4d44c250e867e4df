import type { Db } from '../../storage/index.js';
import { hashEntry, type LedgerEntry } from '../chain.js';
import type { Ledger } from '../index.js';
import { entryLeafHash, storedPosition } from '../merkle.js';
import { createTreeStore } from '../tree.js';

/**
 * What an attacker with the database but without the signing key can do: rewrite live entries
 * from `fromSeq` on (edit), recompute every hash and link after it, and (with tree) rebuild the
 * Merkle nodes over them too. Signed heads and the tip seal stay as they were: they need the key.
 */
export function rechain(
  t: { db: Db; ledger: Pick<Ledger, 'entries'> },
  fromSeq: number,
  edit: (e: LedgerEntry) => LedgerEntry,
  options: { tree: boolean },
): LedgerEntry[] {
  const rows = t.ledger.entries(fromSeq, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  let prevHash = t.ledger.entries(fromSeq - 1, fromSeq - 1, 1)[0]?.hash ?? '0'.repeat(64);
  const update = t.db.prepare('UPDATE ledger SET actor = ?, subject = ?, payload = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  const forged = rows.map((row) => {
    const changed = edit(row);
    const entry = { ...changed, prevHash, hash: hashEntry({ ...changed, prevHash }) };
    update.run(entry.actor, entry.subject, entry.payload, entry.prevHash, entry.hash, entry.seq);
    prevHash = entry.hash;
    return entry;
  });
  if (options.tree) rebuildTree(t.db, fromSeq, forged);
  return forged;
}

/** Recomputes the stored Merkle nodes from leaf fromSeq - 1 on, from the given entries. */
export function rebuildTree(db: Db, fromSeq: number, entries: readonly LedgerEntry[]): void {
  const frontier = createTreeStore(db).frontier(fromSeq - 1);
  db.prepare('DELETE FROM ledger_tree WHERE position >= ?').run(storedPosition(0, fromSeq - 1));
  const insert = db.prepare('INSERT INTO ledger_tree (position, hash) VALUES (?, ?)');
  for (const entry of entries) {
    for (const node of frontier.append(entryLeafHash(entry.hash))) insert.run(storedPosition(node.level, node.index), node.hash);
  }
}
