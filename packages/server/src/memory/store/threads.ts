import type { Db } from '../../storage/index.js';

/** Where a memory sits in its thread: threads are ordered by (COALESCE(occurred_at, created_at), row_id). */
export interface ThreadPosition {
  readonly namespace: string;
  readonly threadId: string;
  readonly key: number;
  readonly rowId: number;
}

/** What a thread neighbour contributes to a memory's indexed text. */
export interface NeighbourRow {
  readonly row_id: number;
  /** The thread order key, COALESCE(occurred_at, created_at). */
  readonly key: number;
  readonly content: string;
  /** Set for a COLD neighbour, whose content is then ''. */
  readonly content_compressed: Buffer | null;
}

type Scope = ThreadPosition & { readonly limit: number };

const SAME_THREAD = "namespace = @namespace AND thread_id = @threadId AND thread_id != ''";
const KEY = 'COALESCE(occurred_at, created_at)';

/** Reads along a thread, by the memories_by_thread index. */
export function threadReads(db: Db) {
  const before = db.prepare<[Scope], NeighbourRow>(
    `SELECT row_id, ${KEY} AS key, content, content_compressed FROM memories
      WHERE ${SAME_THREAD} AND (${KEY}, row_id) < (@key, @rowId)
      ORDER BY ${KEY} DESC, row_id DESC LIMIT @limit`,
  );
  const after = db.prepare<[Scope], NeighbourRow>(
    `SELECT row_id, ${KEY} AS key, content, content_compressed FROM memories
      WHERE ${SAME_THREAD} AND (${KEY}, row_id) > (@key, @rowId)
      ORDER BY ${KEY}, row_id LIMIT @limit`,
  );
  return {
    /** Up to `limit` memories right before `position` in its thread, nearest first. */
    threadBefore: (position: ThreadPosition, limit: number): NeighbourRow[] => before.all({ ...position, limit }),
    /** Up to `limit` memories right after `position` in its thread, nearest first. */
    threadAfter: (position: ThreadPosition, limit: number): NeighbourRow[] => after.all({ ...position, limit }),
  };
}
