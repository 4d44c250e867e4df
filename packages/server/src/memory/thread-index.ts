import type { IndexedText, KeywordIndex } from '../index/keyword.js';
import type { Transact } from '../storage/index.js';
import { decompressContent } from './cold-content.js';
import type { MemoryRow } from './rows.js';
import type { MemoryStore, NeighbourRow, ThreadPosition } from './store/index.js';

/**
 * Thread neighbours on each side whose words form a memory's keyword context. A conversation turn
 * often makes sense only with the turns around it ("Yes, last Friday!" answers the question
 * before it), so each memory is also found by its neighbours' words, weighted down. LoCoMo dev,
 * keyword recall@10: 0.630 without context, 0.689 / 0.726 / 0.725 / 0.729 with 1 / 2 / 3 / 4
 * neighbours each side (context weight 0.3); 2 is where the curve flattens.
 */
export const CONTEXT_RADIUS = 2;

/** Memories indexed per transaction when start-up indexes memories written before the keyword index. */
const BACKFILL_BATCH = 500;

type Positioned = Pick<MemoryRow, 'namespace' | 'thread_id' | 'occurred_at' | 'created_at' | 'row_id'>;

/** Where a memory sits in its thread; undefined for a memory without one. */
export function threadPosition(row: Positioned): ThreadPosition | undefined {
  if (row.thread_id === '') return undefined;
  return { namespace: row.namespace, threadId: row.thread_id, key: row.occurred_at ?? row.created_at, rowId: row.row_id };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "17 December 2022": the words a person uses for a date, so "in December 2022" finds it. */
export function dateWords(instant: number): string {
  const date = new Date(instant);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

const textOf = (row: NeighbourRow): string => (row.content_compressed === null ? row.content : decompressContent(row.content_compressed));

export interface ThreadIndexDeps {
  readonly store: MemoryStore;
  readonly keywordIndex: KeywordIndex;
}

/**
 * What a memory is indexed by beyond its own text: the date it happened and its thread
 * neighbours. Recall still returns the memory itself. Writers keep it exact: whatever changes a
 * memory's text or place in a thread (Remember, Forget, expiry) re-indexes the memories whose
 * context includes it, in the same transaction (see dependents).
 */
export function createThreadIndex({ store, keywordIndex }: ThreadIndexDeps) {
  /** Its own text, and its context: the date words and the neighbours' text in thread order. */
  function indexedText(row: MemoryRow): IndexedText {
    const position = threadPosition(row);
    const context = row.occurred_at === null ? [] : [dateWords(row.occurred_at)];
    if (position !== undefined) {
      context.push(...store.threadBefore(position, CONTEXT_RADIUS).reverse().map(textOf), ...store.threadAfter(position, CONTEXT_RADIUS).map(textOf));
    }
    return { own: textOf(row), context: context.join('\n') };
  }

  /** Re-indexes the memories among `rowIds` that still exist, from their text and neighbours now. */
  function reindex(rowIds: Iterable<number>): void {
    const ids = [...new Set(rowIds)];
    const rows = store.byRowIds(ids);
    for (const id of ids) {
      const row = rows.get(id);
      if (row !== undefined) keywordIndex.index(row.row_id, row.namespace, indexedText(row));
    }
  }

  return {
    indexedText,
    reindex,

    /** The memories whose context includes the one at `row`'s place: its neighbours within the radius. */
    dependents(row: Positioned): number[] {
      const position = threadPosition(row);
      if (position === undefined) return [];
      return [...store.threadBefore(position, CONTEXT_RADIUS), ...store.threadAfter(position, CONTEXT_RADIUS)].map((r) => r.row_id);
    },

    /** Takes a memory out of the keyword index; re-index its dependents once it is gone. */
    remove: (rowId: number): void => keywordIndex.remove(rowId),

    /** Indexes every memory the keyword index lacks (those written before it existed), a batch per transaction. */
    backfill(transact: Transact): number {
      let total = 0;
      for (let batch = keywordIndex.unindexed(BACKFILL_BATCH); batch.length > 0; batch = keywordIndex.unindexed(BACKFILL_BATCH)) {
        transact(() => reindex(batch));
        total += batch.length;
      }
      return total;
    },
  };
}

export type ThreadIndex = ReturnType<typeof createThreadIndex>;
