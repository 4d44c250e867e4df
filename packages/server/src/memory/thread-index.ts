import type { IndexedText, KeywordIndex } from '../index/keyword.js';
import type { Transact, Tx } from '../storage/index.js';
import { decompressContent } from './cold-content.js';
import type { MemoryRow } from './rows.js';
import type { MemoryStore, NeighbourRow, ThreadPosition } from './store/index.js';
import { sourceHash, type MemoryVectors } from './vectors.js';

/**
 * Thread neighbours on each side whose words form a memory's keyword context. A conversation turn
 * often makes sense only with the turns around it ("Yes, last Friday!" answers the question
 * before it), so each memory is also found by its neighbours' words, weighted down. LoCoMo dev,
 * keyword recall@10: 0.630 without context, 0.689 / 0.726 / 0.725 / 0.729 with 1 / 2 / 3 / 4
 * neighbours each side (context weight 0.3); 2 is where the curve flattens.
 */
export const CONTEXT_RADIUS = 2;

/**
 * Neighbours on each side in a memory's window vector (the embedding of the exchange around it,
 * averaged with its own text's, see vectors.ts memoryScores): one, so the window stays within the
 * model's 256 tokens for conversational turns.
 */
export const WINDOW_RADIUS = 1;

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

const textOf = (row: Pick<NeighbourRow, 'content' | 'content_compressed'>): string =>
  row.content_compressed === null ? row.content : decompressContent(row.content_compressed);

/** The window text: the memory's text between its nearest neighbours', in thread order. */
const windowOf = (before: readonly string[], own: string, after: readonly string[]): string =>
  [...before.slice(0, WINDOW_RADIUS).reverse(), own, ...after.slice(0, WINDOW_RADIUS)].join('\n');

/** A memory about to be written, as the window planner sees it. */
export interface PlannedItem {
  readonly id?: string;
  readonly content: string;
  readonly threadId?: string;
  readonly occurredAt?: number | null;
}

export interface ThreadIndexDeps {
  readonly store: MemoryStore;
  readonly keywordIndex: KeywordIndex;
  readonly vectors: MemoryVectors;
}

/**
 * What a memory is indexed by beyond its own text: the date it happened and its thread
 * neighbours, for keywords (context field) and for vectors (a window vector). Recall still
 * returns the memory itself. Writers keep it exact: whatever changes a memory's text or place in
 * a thread (Remember, Forget, expiry) re-indexes the memories whose context includes it, in the
 * same transaction. A window vector must be embedded before the transaction: the writer embeds
 * the windows it expects (plannedWindows); a window that turns out different drops its vector
 * at once and waits in the backlog that tier maintenance re-embeds, so no vector ever stands for
 * text a memory's window no longer holds (a forgotten neighbour's, say).
 */
export function createThreadIndex({ store, keywordIndex, vectors }: ThreadIndexDeps) {
  /** Its keyword text (own, and context: date words and neighbours) and its window text, if threaded. */
  function describe(row: MemoryRow): { text: IndexedText; window: string | null } {
    const own = textOf(row);
    const position = threadPosition(row);
    const context = row.occurred_at === null ? [] : [dateWords(row.occurred_at)];
    if (position === undefined) return { text: { own, context: context.join('\n') }, window: null };
    const before = store.threadBefore(position, CONTEXT_RADIUS).map(textOf);
    const after = store.threadAfter(position, CONTEXT_RADIUS).map(textOf);
    context.push(...[...before].reverse(), ...after);
    return { text: { own, context: context.join('\n') }, window: windowOf(before, own, after) };
  }

  /**
   * Inside `tx`: re-indexes the memories among `rowIds` that still exist from their text and
   * neighbours now. A changed window takes its vector from `windows` (embedded beforehand) or,
   * when absent there, loses its vector and joins the re-embedding backlog.
   */
  function reindex(tx: Tx, rowIds: Iterable<number>, windows: ReadonlyMap<string, Float32Array> = new Map()): void {
    const ids = [...new Set(rowIds)];
    const rows = store.byRowIds(ids);
    for (const id of ids) {
      const row = rows.get(id);
      if (row === undefined) continue;
      const { text, window } = describe(row);
      keywordIndex.index(row.row_id, row.namespace, text);
      const hash = window === null ? undefined : sourceHash(window);
      if (hash === vectors.windowHash(row.row_id)) continue;
      const vector = window === null ? undefined : windows.get(window);
      vectors.storeWindow(tx, row.row_id, row.namespace, vector === undefined || hash === undefined ? null : { vector, hash });
      if (window !== null && vector === undefined) vectors.enqueue([row.row_id]);
    }
  }

  return {
    describe,
    reindex,

    /** The memories whose indexed text includes the one at `row`'s place: its neighbours within the context radius. */
    dependents(row: Positioned): number[] {
      const position = threadPosition(row);
      if (position === undefined) return [];
      return [...store.threadBefore(position, CONTEXT_RADIUS), ...store.threadAfter(position, CONTEXT_RADIUS)].map((r) => r.row_id);
    },

    /**
     * The window texts a write of `items` will most likely give its memories and their
     * neighbours, to embed before the transaction: each thread's stored memories around the items'
     * places, with the items put in (new ones after the stored memories of equal time, in batch
     * order). A concurrent write can make a guess wrong; the transaction then finds no vector for
     * that window and leaves it to the backlog.
     */
    plannedWindows(namespace: string, items: readonly PlannedItem[], now: number): string[] {
      const windows = new Set<string>();
      const threads = new Map<string, Array<{ item: PlannedItem; order: number }>>();
      items.forEach((item, order) => {
        if (item.threadId) (threads.get(item.threadId) ?? threads.set(item.threadId, []).get(item.threadId)!).push({ item, order });
      });
      for (const [threadId, members] of threads) {
        const entries = new Map<string, { key: number; rowId: number; order: number; text: string; planned: boolean }>();
        const replaced = new Set<number>();
        for (const { item, order } of members) {
          const existing = item.id === undefined ? undefined : store.byId(namespace, item.id);
          if (existing !== undefined) replaced.add(existing.row_id);
          const key = item.occurredAt ?? existing?.created_at ?? now;
          const rowId = existing?.row_id ?? Number.MAX_SAFE_INTEGER;
          entries.set(`item ${order}`, { key, rowId, order, text: item.content, planned: true });
          const position = { namespace, threadId, key, rowId };
          for (const row of [...store.threadBefore(position, 2 * WINDOW_RADIUS), ...store.threadAfter(position, 2 * WINDOW_RADIUS)]) {
            entries.set(`row ${row.row_id}`, { key: row.key, rowId: row.row_id, order: -1, text: textOf(row), planned: false });
          }
        }
        const line = [...entries.values()]
          .filter((e) => e.planned || !replaced.has(e.rowId))
          .sort((a, b) => a.key - b.key || a.rowId - b.rowId || a.order - b.order);
        line.forEach((entry, at) => {
          const near = line.slice(Math.max(0, at - WINDOW_RADIUS), at + WINDOW_RADIUS + 1);
          if (!near.some((e) => e.planned)) return;
          const before = line.slice(Math.max(0, at - WINDOW_RADIUS), at).map((e) => e.text).reverse();
          const after = line.slice(at + 1, at + 1 + WINDOW_RADIUS).map((e) => e.text);
          windows.add(windowOf(before, entry.text, after));
        });
      }
      return [...windows];
    },

    /** Takes a memory out of the keyword index; re-index its dependents once it is gone. */
    remove: (rowId: number): void => keywordIndex.remove(rowId),

    /** Indexes every memory the keyword index lacks (those written before it existed), a batch per transaction. */
    backfill(transact: Transact): number {
      let total = 0;
      for (let batch = keywordIndex.unindexed(BACKFILL_BATCH); batch.length > 0; batch = keywordIndex.unindexed(BACKFILL_BATCH)) {
        transact((tx) => reindex(tx, batch));
        total += batch.length;
      }
      return total;
    },
  };
}

export type ThreadIndex = ReturnType<typeof createThreadIndex>;
