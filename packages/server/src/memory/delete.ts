import type { Ledger, LedgerEntry, LedgerEvent } from '../ledger/index.js';
import type { Tx } from '../storage/index.js';
import type { HotTier } from './hot-tier.js';
import type { MemoryStore } from './store/index.js';
import type { ThreadIndex } from './thread-index.js';
import type { MemoryVectors } from './vectors.js';

export interface DeleteDeps {
  readonly store: MemoryStore;
  readonly vectors: MemoryVectors;
  readonly hotTier: HotTier;
  readonly ledger: Ledger;
  readonly threadIndex: ThreadIndex;
}

/**
 * Deletes memories inside `tx`, the one way Forget and expiry both do it: their vectors and
 * keyword entries leave the indexes, their rows (with tags and chunks) are deleted, the memories
 * whose thread context held them are re-indexed, the HOT tier drops them once `tx` commits, and
 * each gets its ledger entry (`entryOf`) in the same transaction.
 */
export type DeleteWithLedger = <V extends { readonly row_id: number }>(
  tx: Tx,
  victims: readonly V[],
  entryOf: (victim: V) => LedgerEvent,
) => LedgerEntry[];

export function createDeleteWithLedger({ store, vectors, hotTier, ledger, threadIndex }: DeleteDeps): DeleteWithLedger {
  return (tx, victims, entryOf) => {
    const rows = store.byRowIds(victims.map((victim) => victim.row_id));
    const dependents = [...rows.values()].flatMap((row) => threadIndex.dependents(row));
    for (const victim of victims) {
      vectors.remove(tx, victim.row_id);
      threadIndex.remove(victim.row_id);
      store.delete(victim.row_id);
    }
    threadIndex.reindex(tx, dependents);
    hotTier.dropAfterCommit(tx, victims.map((victim) => victim.row_id));
    return ledger.append(tx, victims.map(entryOf));
  };
}
