import type { Transact } from '../storage/index.js';
import type { MemoryStore } from './store/index.js';
import type { ThreadIndex } from './thread-index.js';
import { sourceHash, type MemoryVectors } from './vectors.js';

export interface ReembedDeps {
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly vectors: MemoryVectors;
  readonly threadIndex: ThreadIndex;
}

/**
 * The vector backlog, worked off by tier maintenance: memories whose vectors are of another
 * embedding model (after CORTEX_EMBEDDING_MODEL changed) or whose thread window changed without a
 * vector ready for it (a neighbour forgotten or written concurrently). Each step embeds a batch
 * from the memories' text as it is now, outside any transaction, then stores what is still
 * current in one transaction; a memory that changed meanwhile stays in the backlog for the next.
 */
export function createReembedder({ store, transact, vectors, threadIndex }: ReembedDeps) {
  /** Re-embeds up to `limit` memories of the backlog; returns how many are settled. */
  async function step(limit: number): Promise<number> {
    const ids = vectors.backlog(limit);
    const rows = store.byRowIds(ids);
    const work = [...rows.values()].map((row) => ({ row, ownStale: vectors.ownStale(row.row_id), ...threadIndex.describe(row) }));
    const ownVectors = await vectors.embedContents(work.filter((w) => w.ownStale).map((w) => w.text.own));
    const windowTexts = work.flatMap((w) => (w.window === null ? [] : [w.window]));
    const windowVectors = await vectors.embedTexts(windowTexts);
    const windows = new Map(windowTexts.map((text, i) => [text, windowVectors[i]!]));
    let next = 0;
    const own = new Map(work.filter((w) => w.ownStale).map((w) => [w.row.row_id, ownVectors[next++]!]));
    return transact((tx) => {
      let settled = 0;
      const now = store.byRowIds(ids);
      for (const id of ids) {
        const before = rows.get(id);
        const current = now.get(id);
        if (before === undefined || current === undefined) continue; // deleted: the backlog row went with it
        if (current.content_hash !== before.content_hash) continue;
        const ownChunks = own.get(id);
        if (ownChunks !== undefined) vectors.storeOwn(tx, id, current.namespace, ownChunks, current.content_hash);
        const { window } = threadIndex.describe(current);
        if (window !== null) {
          const vector = windows.get(window);
          if (vector === undefined) continue; // the thread moved on since: the next step embeds the new window
          vectors.storeWindow(tx, id, current.namespace, { vector, hash: sourceHash(window) });
        }
        vectors.settled(id);
        settled += 1;
      }
      return settled;
    });
  }

  return {
    step,
    /** How many memories wait. */
    pending: (): number => vectors.backlogSize(),
  };
}

export type Reembedder = ReturnType<typeof createReembedder>;
