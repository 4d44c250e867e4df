import type { Db, StatementCache } from '../../storage/index.js';
import { ANY_OF, TIER_CODES, type MemoryRow, type SqlCondition } from '../rows.js';
import type { Tier } from '../types.js';

/** The columns Remember writes, as named parameters (tags and metadata as canonical JSON). */
export interface MemoryRecord {
  readonly namespace: string;
  readonly id: string;
  readonly agentId: string;
  readonly content: string;
  readonly kind: string;
  /** A sorted JSON array; each tag also gets a memory_tags row. */
  readonly tags: string;
  readonly metadata: string;
  readonly importance: number;
  readonly pinned: number;
  readonly expiresAt: number | null;
  readonly contentHash: string;
  readonly tier: number;
  readonly now: number;
  readonly threadId: string;
  readonly occurredAt: number | null;
}

/** The pending accesses of one row: how many reads, and the last one's instant. */
export interface AccessCount {
  readonly count: number;
  readonly last: number;
}

export interface TierCounts {
  hot: number;
  warm: number;
  cold: number;
}

/** Where a listing page starts: after this (created_at, id), the listing's sort key. */
export interface ListAfter {
  readonly createdAt: number;
  readonly id: string;
}

const byRowIdMap = (rows: readonly MemoryRow[]) => new Map(rows.map((row) => [row.row_id, row]));

/** Statements on memory rows and their tags: reads by id and filter, and every write. */
export function recordStatements(db: Db, prepared: StatementCache) {
  const byId = db.prepare<[string, string], MemoryRow>('SELECT * FROM memories WHERE namespace = ? AND id = ?');
  const byRowId = db.prepare<[number], MemoryRow>('SELECT * FROM memories WHERE row_id = ?');
  const byRowIds = db.prepare<[string], MemoryRow>(`SELECT * FROM memories WHERE row_id IN ${ANY_OF}`);
  const contentOf = db.prepare<[number], { content: string }>('SELECT content FROM memories WHERE row_id = ?');
  const hotRows = db.prepare<[], MemoryRow>(`SELECT * FROM memories WHERE tier = ${TIER_CODES.HOT} ORDER BY last_accessed_at, row_id`);
  const tierCounts = db.prepare<[string, string, number], { tier: number; n: number }>(
    `SELECT tier, COUNT(*) AS n FROM memories WHERE namespace = ? AND agent_id = ?
       AND (expires_at IS NULL OR expires_at > ?) GROUP BY tier`,
  );
  const insert = db.prepare<[MemoryRecord]>(
    `INSERT INTO memories (namespace, id, agent_id, content, kind, tags, metadata, importance, tier, pinned,
       created_at, updated_at, last_accessed_at, access_count, expires_at, version, content_hash, thread_id, occurred_at)
     VALUES (@namespace, @id, @agentId, @content, @kind, @tags, @metadata, @importance, @tier, @pinned,
       @now, @now, @now, 0, @expiresAt, 1, @contentHash, @threadId, @occurredAt)`,
  );
  const update = db.prepare<[MemoryRecord & { rowId: number }]>(
    `UPDATE memories SET agent_id = @agentId, content = @content, kind = @kind, tags = @tags, metadata = @metadata,
       importance = @importance, pinned = @pinned, expires_at = @expiresAt, content_hash = @contentHash,
       thread_id = @threadId, occurred_at = @occurredAt, tier = @tier, content_compressed = NULL, updated_at = @now, version = version + 1
     WHERE row_id = @rowId`,
  );
  const deleteTags = db.prepare<[number]>('DELETE FROM memory_tags WHERE row_id = ?');
  const insertTag = db.prepare<[number, string]>('INSERT OR IGNORE INTO memory_tags (row_id, tag) VALUES (?, ?)');
  const setTier = db.prepare<[number, number]>('UPDATE memories SET tier = ? WHERE row_id = ?');
  const toCold = db.prepare<[Buffer, number]>(`UPDATE memories SET tier = ${TIER_CODES.COLD}, content = '', content_compressed = ? WHERE row_id = ?`);
  const toWarm = db.prepare<[string, number]>(`UPDATE memories SET tier = ${TIER_CODES.WARM}, content = ?, content_compressed = NULL WHERE row_id = ?`);
  const deleteRow = db.prepare<[number]>('DELETE FROM memories WHERE row_id = ?');
  const addAccess = db.prepare<[number, number, number]>(
    `UPDATE memories SET access_count = access_count + ?, last_accessed_at = MAX(last_accessed_at, ?)
      WHERE row_id = ?`,
  );
  const addAccesses = db.transaction((entries: ReadonlyArray<readonly [number, AccessCount]>) => {
    for (const [rowId, access] of entries) addAccess.run(access.count, access.last, rowId);
  });
  const insertTags = (rowId: number, tags: string) => {
    for (const tag of JSON.parse(tags) as string[]) insertTag.run(rowId, tag);
  };

  return {
    byId: (namespace: string, id: string): MemoryRow | undefined => byId.get(namespace, id),
    byRowId: (rowId: number): MemoryRow | undefined => byRowId.get(rowId),
    byRowIds(rowIds: readonly number[]): Map<number, MemoryRow> {
      return rowIds.length === 0 ? new Map<number, MemoryRow>() : byRowIdMap(byRowIds.all(JSON.stringify(rowIds)));
    },
    /** The rows among `rowIds` that still pass `condition` (a WHERE fragment over `m`). */
    matching(rowIds: readonly number[], condition: SqlCondition): Map<number, MemoryRow> {
      if (rowIds.length === 0) return new Map();
      // NOT INDEXED keeps the lookup on the row ids: otherwise SQLite may pick the namespace index
      // for the filter and scan every memory of the namespace (5 ms at 100k) to find a few rows.
      const statement = prepared<MemoryRow>(`SELECT m.* FROM memories m NOT INDEXED WHERE m.row_id IN ${ANY_OF} AND ${condition.sql}`);
      return byRowIdMap(statement.all(JSON.stringify(rowIds), ...condition.params));
    },
    rowIdsMatching(condition: SqlCondition): Set<number> {
      const statement = prepared<{ row_id: number }>(`SELECT m.row_id FROM memories m WHERE ${condition.sql}`);
      return new Set(statement.all(...condition.params).map((r) => r.row_id));
    },
    /** Up to `limit` rows passing `condition` after `after`, in (created_at, id) order. */
    page(condition: SqlCondition, after: ListAfter | undefined, limit: number): MemoryRow[] {
      const cursor = after ? ' AND (m.created_at, m.id) > (?, ?)' : '';
      const params = after ? [...condition.params, after.createdAt, after.id] : condition.params;
      const statement = prepared<MemoryRow>(`SELECT m.* FROM memories m WHERE ${condition.sql}${cursor} ORDER BY m.created_at, m.id LIMIT ?`);
      return statement.all(...params, limit);
    },
    /** The rows passing `condition`, only those with these ids when any are given, by row id. */
    selected(condition: SqlCondition, ids: readonly string[]): Array<Pick<MemoryRow, 'row_id' | 'id' | 'agent_id'>> {
      const byIds = ids.length > 0 ? ` AND m.id IN ${ANY_OF}` : '';
      const params = ids.length > 0 ? [...condition.params, JSON.stringify(ids)] : condition.params;
      const statement = prepared<Pick<MemoryRow, 'row_id' | 'id' | 'agent_id'>>(
        `SELECT m.row_id, m.id, m.agent_id FROM memories m WHERE ${condition.sql}${byIds} ORDER BY m.row_id`,
      );
      return statement.all(...params);
    },
    contentOf: (rowId: number): string => contentOf.get(rowId)?.content ?? '',
    /** The HOT rows, least recently used first: the HOT tier is rebuilt from them at start. */
    hotRows: (): IterableIterator<MemoryRow> => hotRows.iterate(),
    /** How many unexpired memories an agent has in each tier. */
    tierCounts(namespace: string, agentId: string, now: number): TierCounts {
      const counts = { hot: 0, warm: 0, cold: 0 };
      for (const row of tierCounts.all(namespace, agentId, now)) {
        if (row.tier === TIER_CODES.HOT) counts.hot = row.n;
        else if (row.tier === TIER_CODES.WARM) counts.warm = row.n;
        else if (row.tier === TIER_CODES.COLD) counts.cold = row.n;
      }
      return counts;
    },

    // Writes run inside the caller's transaction, except addAccesses, which is its own.
    /** A new memory with its tags; returns its row id. */
    insert(record: MemoryRecord): number {
      const rowId = Number(insert.run(record).lastInsertRowid);
      insertTags(rowId, record.tags);
      return rowId;
    },
    /** A changed memory: a new version, its tags replaced, its text uncompressed. */
    update(rowId: number, record: MemoryRecord): void {
      update.run({ ...record, rowId });
      deleteTags.run(rowId);
      insertTags(rowId, record.tags);
    },
    setTier: (rowId: number, tier: Tier): void => void setTier.run(TIER_CODES[tier], rowId),
    /** To COLD: the text leaves `content` for `content_compressed` (the keyword index keeps it). */
    toCold: (rowId: number, compressed: Buffer): void => void toCold.run(compressed, rowId),
    /** Back to WARM with its text in `content`. */
    toWarm: (rowId: number, content: string): void => void toWarm.run(content, rowId),
    /** The row, and by cascade its tags and chunks; see memory/delete.ts for the whole deletion. */
    delete: (rowId: number): void => void deleteRow.run(rowId),
    /** Adds reads to access_count and last_accessed_at, in one transaction of its own. */
    addAccesses: (entries: ReadonlyArray<readonly [number, AccessCount]>): void => addAccesses(entries),
  };
}
