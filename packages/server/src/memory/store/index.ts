import { createStatementCache, type Db } from '../../storage/index.js';
import { chunkReads } from './chunks.js';
import { policyPages } from './policy-pages.js';
import { recordStatements } from './records.js';
import { threadReads } from './threads.js';

export type { AccessCount, ListAfter, MemoryRecord, TierCounts } from './records.js';
export type { BelowScope, ExpiredRow, PageScope, PolicyRow } from './policy-pages.js';
export type { NeighbourRow, ThreadPosition } from './threads.js';
export type { StoredChunk } from './chunks.js';

/**
 * The one owner of the `memories` and `memory_tags` tables: every statement on them is here,
 * prepared once (SQL that follows a filter's shape is prepared once per shape). Writes run inside
 * the caller's transaction, which also appends their ledger entries. The keyword index
 * (index/keyword.ts) keeps its own tables, written by memory/thread-index.ts in the same transactions.
 */
export function createMemoryStore(db: Db) {
  const prepared = createStatementCache(db);
  return { ...recordStatements(db, prepared), ...policyPages(db), ...chunkReads(db, prepared), ...threadReads(db) };
}

export type MemoryStore = ReturnType<typeof createMemoryStore>;
