import { decompressContent } from './cold-content.js';
import type { Memory, MemoryFilter, Tier } from './types.js';

/** memories.tier is stored as the proto enum number so the two never drift apart. */
export const TIER_CODES: Readonly<Record<Tier, number>> = { HOT: 1, WARM: 2, COLD: 3 };
const TIERS_BY_CODE: Readonly<Record<number, Tier>> = { 1: 'HOT', 2: 'WARM', 3: 'COLD' };

export function tierOfCode(code: number): Tier {
  return TIERS_BY_CODE[code] ?? 'WARM';
}

export interface MemoryRow {
  row_id: number;
  namespace: string;
  id: string;
  agent_id: string;
  content: string;
  kind: string;
  tags: string;
  metadata: string;
  importance: number;
  tier: number;
  pinned: number;
  created_at: number;
  updated_at: number;
  last_accessed_at: number;
  access_count: number;
  expires_at: number | null;
  version: number;
  content_hash: string;
  /** The text of a COLD memory (content is then ''); NULL otherwise. See cold-content.ts. */
  content_compressed: Buffer | null;
  thread_id: string;
  occurred_at: number | null;
}

export function memoryFromRow(row: MemoryRow): Memory {
  return {
    id: row.id,
    namespace: row.namespace,
    agentId: row.agent_id,
    content: row.content_compressed === null ? row.content : decompressContent(row.content_compressed),
    kind: row.kind,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    importance: row.importance,
    tier: tierOfCode(row.tier),
    pinned: row.pinned === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastAccessedAt: row.last_accessed_at,
    accessCount: row.access_count,
    expiresAt: row.expires_at,
    version: row.version,
    threadId: row.thread_id,
    occurredAt: row.occurred_at,
  };
}

export interface SqlCondition {
  readonly sql: string;
  readonly params: Array<string | number>;
}

/**
 * Any element of a JSON array bound as one parameter: one SQL text (so one prepared statement)
 * serves a list of any length.
 */
export const ANY_OF = '(SELECT value FROM json_each(?))';

/**
 * Turns a filter into a WHERE fragment over `m` (the memories table). Readers pass `now` so
 * expired memories are gone for them even before maintenance deletes them; deleters pass null.
 * The SQL depends only on the filter's shape (lists are JSON parameters), so the store prepares
 * each shape once.
 */
export function filterCondition(namespace: string, filter: MemoryFilter, now: number | null): SqlCondition {
  const clauses = ['m.namespace = ?'];
  const params: Array<string | number> = [namespace];
  if (now !== null) {
    clauses.push('(m.expires_at IS NULL OR m.expires_at > ?)');
    params.push(now);
  }
  if (filter.agentId) {
    clauses.push('m.agent_id = ?');
    params.push(filter.agentId);
  }
  if (filter.agentIds && filter.agentIds.length > 0) {
    clauses.push(`m.agent_id IN ${ANY_OF}`);
    params.push(JSON.stringify(filter.agentIds));
  }
  if (filter.kinds && filter.kinds.length > 0) {
    clauses.push(`m.kind IN ${ANY_OF}`);
    params.push(JSON.stringify(filter.kinds));
  }
  if (filter.tiers && filter.tiers.length > 0) {
    clauses.push(`m.tier IN ${ANY_OF}`);
    params.push(JSON.stringify(filter.tiers.map((t) => TIER_CODES[t])));
  }
  for (const tag of filter.tags ?? []) {
    clauses.push('EXISTS (SELECT 1 FROM memory_tags t WHERE t.row_id = m.row_id AND t.tag = ?)');
    params.push(tag);
  }
  if (filter.createdAfter !== undefined) {
    clauses.push('m.created_at >= ?');
    params.push(filter.createdAfter);
  }
  if (filter.createdBefore !== undefined) {
    clauses.push('m.created_at < ?');
    params.push(filter.createdBefore);
  }
  if (filter.threadIds && filter.threadIds.length > 0) {
    clauses.push(`m.thread_id IN ${ANY_OF}`);
    params.push(JSON.stringify(filter.threadIds));
  }
  if (filter.occurredAfter !== undefined) {
    clauses.push('m.occurred_at >= ?');
    params.push(filter.occurredAfter);
  }
  if (filter.occurredBefore !== undefined) {
    clauses.push('m.occurred_at < ?');
    params.push(filter.occurredBefore);
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    clauses.push('json_extract(m.metadata, ?) = ?');
    // Keys are restricted at the edge to a charset that needs no escaping in a JSON path.
    params.push(`$."${key}"`, value);
  }
  return { sql: clauses.join(' AND '), params };
}

export function isEmptyFilter(filter: MemoryFilter): boolean {
  return (
    !filter.agentId &&
    (filter.agentIds ?? []).length === 0 &&
    (filter.kinds ?? []).length === 0 &&
    (filter.tags ?? []).length === 0 &&
    (filter.tiers ?? []).length === 0 &&
    filter.createdAfter === undefined &&
    filter.createdBefore === undefined &&
    (filter.threadIds ?? []).length === 0 &&
    filter.occurredAfter === undefined &&
    filter.occurredBefore === undefined &&
    Object.keys(filter.metadata ?? {}).length === 0
  );
}
