import { createHash, randomUUID } from 'node:crypto';
import { CortexError, notFound } from '../errors.js';
import type { KeywordIndex } from '../index/keyword.js';
import type { Ledger, LedgerEvent } from '../ledger/index.js';
import type { Db, Transact } from '../storage/index.js';
import { decodePageToken, encodePageToken, queryFingerprint } from './page-token.js';
import { filterCondition, isEmptyFilter, memoryFromRow, TIER_CODES, type MemoryRow } from './rows.js';
import {
  DEFAULT_IMPORTANCE,
  type Memory,
  type MemoryFilter,
  type MemoryInput,
  type RememberOutcome,
  type RequestContext,
  type Tier,
} from './types.js';

export * from './types.js';

export interface MemoryServiceDeps {
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly keywordIndex: KeywordIndex;
  readonly clock: () => number;
}

export interface RememberResult {
  readonly memory: Memory;
  readonly outcome: RememberOutcome;
}

export interface RecallQuery {
  readonly query: string;
  readonly topK: number;
  readonly filter: MemoryFilter;
  readonly minScore: number;
}

export interface RecallHit {
  readonly memory: Memory;
  readonly score: number;
  readonly keywordScore?: number;
  readonly keywordRank?: number;
}

/** Recall searches the tiers an agent works with unless the caller names others. */
const DEFAULT_RECALL_TIERS: readonly Tier[] = ['HOT', 'WARM'];

export function createMemoryService(deps: MemoryServiceDeps) {
  const { db, transact, ledger, keywordIndex, clock } = deps;
  const byId = db.prepare<[string, string], MemoryRow>('SELECT * FROM memories WHERE namespace = ? AND id = ?');
  const insert = db.prepare(
    `INSERT INTO memories (namespace, id, agent_id, content, kind, tags, metadata, importance, tier, pinned,
       created_at, updated_at, last_accessed_at, access_count, expires_at, version, content_hash)
     VALUES (@namespace, @id, @agentId, @content, @kind, @tags, @metadata, @importance, @tier, @pinned,
       @now, @now, @now, 0, @expiresAt, 1, @contentHash)`,
  );
  const update = db.prepare(
    `UPDATE memories SET agent_id = @agentId, content = @content, kind = @kind, tags = @tags, metadata = @metadata,
       importance = @importance, pinned = @pinned, expires_at = @expiresAt, content_hash = @contentHash,
       updated_at = @now, version = version + 1
     WHERE row_id = @rowId`,
  );
  const deleteTags = db.prepare('DELETE FROM memory_tags WHERE row_id = ?');
  const insertTag = db.prepare('INSERT OR IGNORE INTO memory_tags (row_id, tag) VALUES (?, ?)');
  const deleteRow = db.prepare('DELETE FROM memories WHERE row_id = ?');

  function touch(rowIds: readonly number[]): void {
    if (rowIds.length === 0) return;
    db.prepare(
      `UPDATE memories SET last_accessed_at = ?, access_count = access_count + 1
        WHERE row_id IN (${rowIds.map(() => '?').join(', ')})`,
    ).run(clock(), ...rowIds);
  }

  function rowsByIds(rowIds: readonly number[]): Map<number, MemoryRow> {
    if (rowIds.length === 0) return new Map();
    const rows = db
      .prepare<number[], MemoryRow>(`SELECT * FROM memories WHERE row_id IN (${rowIds.map(() => '?').join(', ')})`)
      .all(...rowIds);
    return new Map(rows.map((row) => [row.row_id, row]));
  }

  function upsert(ctx: RequestContext, namespace: string, input: MemoryInput, now: number) {
    const id = input.id || randomUUID();
    const record = {
      namespace,
      id,
      agentId: input.agentId,
      content: input.content,
      kind: input.kind,
      tags: JSON.stringify([...new Set(input.tags)].sort()),
      metadata: JSON.stringify(sortedRecord(input.metadata)),
      importance: input.importance ?? DEFAULT_IMPORTANCE,
      pinned: input.pinned ? 1 : 0,
      expiresAt: input.expiresAt,
      contentHash: sha256(input.content),
      now,
    };
    const existing = byId.get(namespace, id);
    let outcome: RememberOutcome;
    let rowId: number;
    if (existing === undefined) {
      rowId = Number(insert.run({ ...record, tier: TIER_CODES.WARM }).lastInsertRowid);
      outcome = 'CREATED';
    } else if (sameAsStored(existing, record)) {
      return { rowId: existing.row_id, outcome: 'UNCHANGED' as const, event: undefined };
    } else {
      rowId = existing.row_id;
      update.run({ ...record, rowId });
      deleteTags.run(rowId);
      outcome = 'UPDATED';
    }
    for (const tag of JSON.parse(record.tags) as string[]) insertTag.run(rowId, tag);
    const event: LedgerEvent = {
      namespace,
      actor: ctx.actor,
      action: outcome === 'CREATED' ? 'memory.created' : 'memory.updated',
      subject: id,
      agentId: input.agentId,
      correlationId: ctx.correlationId,
      payload: { contentHash: record.contentHash, kind: record.kind, importance: record.importance, pinned: input.pinned },
    };
    return { rowId, outcome, event };
  }

  return {
    /** Stores a batch atomically; a failure anywhere leaves nothing written. */
    async remember(ctx: RequestContext, namespace: string, inputs: readonly MemoryInput[]) {
      const now = clock();
      return transact((tx) => {
        const written = inputs.map((input) => upsert(ctx, namespace, input, now));
        const events = written.flatMap((w) => (w.event ? [w.event] : []));
        const entries = ledger.append(tx, events);
        const rows = rowsByIds(written.map((w) => w.rowId));
        const results: RememberResult[] = written.map((w) => ({
          memory: memoryFromRow(rows.get(w.rowId) as MemoryRow),
          outcome: w.outcome,
        }));
        return { results, ledgerSeq: entries.at(-1)?.seq ?? 0 };
      });
    },

    get(namespace: string, id: string): Memory {
      const row = byId.get(namespace, id);
      if (row === undefined || (row.expires_at !== null && row.expires_at <= clock())) {
        throw notFound('memory', { namespace, id });
      }
      touch([row.row_id]);
      return memoryFromRow(byId.get(namespace, id) as MemoryRow);
    },

    list(namespace: string, filter: MemoryFilter, pageSize: number, pageToken: string) {
      const fingerprint = queryFingerprint({ namespace, filter });
      const cursor = pageToken ? decodePageToken(pageToken, fingerprint) : undefined;
      const condition = filterCondition(namespace, filter, clock());
      const after = cursor ? ' AND (m.created_at, m.id) > (?, ?)' : '';
      const params = cursor ? [...condition.params, cursor.createdAt, cursor.id] : condition.params;
      const rows = db
        .prepare<Array<string | number>, MemoryRow>(
          `SELECT m.* FROM memories m WHERE ${condition.sql}${after} ORDER BY m.created_at, m.id LIMIT ?`,
        )
        .all(...params, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      const nextPageToken =
        rows.length > pageSize && last ? encodePageToken({ createdAt: last.created_at, id: last.id }, fingerprint) : '';
      return { memories: page.map(memoryFromRow), nextPageToken };
    },

    forget(ctx: RequestContext, namespace: string, ids: readonly string[], filter: MemoryFilter) {
      if (ids.length === 0 && isEmptyFilter(filter)) {
        throw new CortexError('INVALID_ARGUMENT', 'Forget needs ids or a filter with at least one constraint', {
          reason: 'FORGET_NEEDS_SELECTOR',
          fieldViolations: [{ field: 'ids', description: 'give ids or a non-empty filter' }],
        });
      }
      return transact((tx) => {
        const condition = filterCondition(namespace, filter, null);
        const byIds = ids.length > 0 ? ` AND m.id IN (${ids.map(() => '?').join(', ')})` : '';
        const victims = db
          .prepare<Array<string | number>, { row_id: number; id: string; agent_id: string }>(
            `SELECT m.row_id, m.id, m.agent_id FROM memories m WHERE ${condition.sql}${byIds} ORDER BY m.row_id`,
          )
          .all(...condition.params, ...ids);
        for (const victim of victims) deleteRow.run(victim.row_id);
        const entries = ledger.append(
          tx,
          victims.map((victim) => ({
            namespace,
            actor: ctx.actor,
            action: 'memory.forgotten',
            subject: victim.id,
            agentId: victim.agent_id,
            correlationId: ctx.correlationId,
          })),
        );
        return { forgottenIds: victims.map((v) => v.id), ledgerSeq: entries.at(-1)?.seq ?? 0 };
      });
    },

    /** KEYWORD recall: BM25 over FTS5 with the filter applied inside the match. */
    recallKeyword(namespace: string, query: RecallQuery): RecallHit[] {
      const filter = withDefaultTiers(query.filter);
      const hits = keywordIndex
        .search({ query: query.query, condition: filterCondition(namespace, filter, clock()), limit: query.topK })
        .filter((hit) => hit.score >= query.minScore);
      const rows = rowsByIds(hits.map((h) => h.rowId));
      touch(hits.map((h) => h.rowId));
      return hits.map((hit, rank) => ({
        memory: memoryFromRow(rows.get(hit.rowId) as MemoryRow),
        score: hit.score,
        keywordScore: hit.score,
        keywordRank: rank + 1,
      }));
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

function withDefaultTiers(filter: MemoryFilter): MemoryFilter {
  return filter.tiers && filter.tiers.length > 0 ? filter : { ...filter, tiers: DEFAULT_RECALL_TIERS };
}

function sameAsStored(
  row: MemoryRow,
  record: { agentId: string; content: string; kind: string; tags: string; metadata: string; importance: number; pinned: number; expiresAt: number | null },
): boolean {
  return (
    row.agent_id === record.agentId &&
    row.content === record.content &&
    row.kind === record.kind &&
    row.tags === record.tags &&
    row.metadata === record.metadata &&
    row.importance === record.importance &&
    row.pinned === record.pinned &&
    row.expires_at === record.expiresAt
  );
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
