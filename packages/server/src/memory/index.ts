import { createHash, randomUUID } from 'node:crypto';
import { CortexError, ErrorReason, notFound } from '../errors.js';
import { fuseScores, fusionDepth, type FusedHit } from '../index/fusion.js';
import type { KeywordIndex } from '../index/keyword.js';
import type { Ledger, LedgerEvent } from '../ledger/index.js';
import type { Transact, Tx } from '../storage/index.js';
import type { AccessRecorder } from './access-recorder.js';
import type { ColdTier } from './cold.js';
import type { DeleteWithLedger } from './delete.js';
import type { HotTier } from './hot-tier.js';
import { decodePageToken, encodePageToken, queryFingerprint } from '../page-token.js';
import { BLANK_RULE, isBlank } from '../text.js';
import { filterCondition, isEmptyFilter, memoryFromRow, TIER_CODES, tierOfCode, type MemoryRow, type SqlCondition } from './rows.js';
import type { ListAfter, MemoryRecord, MemoryStore } from './store/index.js';
import { INTERNAL_CONTEXT } from './tier-events.js';
import type { ThreadIndex } from './thread-index.js';
import type { ChunkVectors, MemoryVectors } from './vectors.js';
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
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly keywordIndex: KeywordIndex;
  /** Keeps what memories are indexed by (own text, date, thread neighbours) in step with writes. */
  readonly threadIndex: ThreadIndex;
  readonly vectors: MemoryVectors;
  readonly hotTier: HotTier;
  readonly coldTier: ColdTier;
  readonly access: AccessRecorder;
  readonly deleteWithLedger: DeleteWithLedger;
  readonly clock: () => number;
}

export interface RememberResult {
  readonly memory: Memory;
  readonly outcome: RememberOutcome;
}

export type RecallMode = 'VECTOR' | 'KEYWORD' | 'HYBRID';

export interface RecallQuery {
  readonly mode: RecallMode;
  readonly query: string;
  readonly topK: number;
  readonly filter: MemoryFilter;
  readonly minScore: number;
}

export interface RecallHit {
  readonly memory: Memory;
  readonly score: number;
  readonly vectorScore?: number;
  readonly vectorRank?: number;
  readonly keywordScore?: number;
  readonly keywordRank?: number;
}

/** Recall searches the tiers an agent works with unless the caller names others. */
const DEFAULT_RECALL_TIERS: readonly Tier[] = ['HOT', 'WARM'];

export function createMemoryService(deps: MemoryServiceDeps) {
  const { store, transact, ledger, keywordIndex, threadIndex, vectors, hotTier, coldTier, access, deleteWithLedger, clock } = deps;

  /** Readers see access statistics not yet flushed to SQLite, as if they were. */
  const toMemory = (row: MemoryRow): Memory => memoryFromRow(access.overlay(row));

  function touch(rowIds: readonly number[]): void {
    if (rowIds.length === 0) return;
    const now = clock();
    access.record(rowIds, now);
    hotTier.touched(rowIds, now);
  }

  /**
   * The rows a vector search may return, when the filter narrows more than the namespace does.
   * Undefined means "every indexed memory of the namespace" and keeps the search on the fast path.
   */
  function allowedRows(filter: MemoryFilter, condition: SqlCondition): ReadonlySet<number> | undefined {
    const onlyIndexedTiers = (filter.tiers ?? []).every((t) => t === 'HOT' || t === 'WARM') && (filter.tiers ?? []).length === 2;
    const narrowed = { ...filter, tiers: onlyIndexedTiers ? [] : filter.tiers ?? [] };
    if (isEmptyFilter(narrowed)) return undefined;
    return store.rowIdsMatching(condition);
  }

  function upsert(ctx: RequestContext, namespace: string, input: MemoryInput, now: number) {
    const id = input.id === undefined || input.id === '' ? randomUUID() : input.id;
    // A write is a use: an agent's memory joins its HOT set (hotTier.afterWrites enforces the
    // capacity), a shared one lives in WARM; either way a COLD memory comes back.
    const tier = input.agentId ? TIER_CODES.HOT : TIER_CODES.WARM;
    const record: MemoryRecord = {
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
      tier,
      now,
      threadId: input.threadId ?? '',
      occurredAt: input.occurredAt ?? null,
    };
    const existing = store.byId(namespace, id);
    let outcome: RememberOutcome;
    let rowId: number;
    const contentChanged = existing?.content_hash !== record.contentHash;
    const before = existing === undefined ? null : tierOfCode(existing.tier);
    // What the memory is indexed by changes with its text, its date or its place in a thread;
    // the memories around its old place lose it from their context (found before it moves).
    const indexChanged =
      existing === undefined || contentChanged || existing.occurred_at !== record.occurredAt || existing.thread_id !== record.threadId;
    const formerDependents = existing !== undefined && indexChanged ? threadIndex.dependents(existing) : [];
    if (existing === undefined) {
      rowId = store.insert(record);
      outcome = 'CREATED';
    } else if (sameAsStored(existing, record)) {
      return { rowId: existing.row_id, outcome: 'UNCHANGED' as const, contentChanged: false, indexChanged: false, formerDependents, before, event: undefined };
    } else {
      rowId = existing.row_id;
      store.update(rowId, record);
      outcome = 'UPDATED';
    }
    const event: LedgerEvent = {
      namespace,
      actor: ctx.actor,
      action: outcome === 'CREATED' ? 'memory.created' : 'memory.updated',
      subject: id,
      agentId: input.agentId,
      correlationId: ctx.correlationId,
      payload: { contentHash: record.contentHash, kind: record.kind, importance: record.importance, pinned: input.pinned },
    };
    return { rowId, outcome, contentChanged, indexChanged, formerDependents, before, event };
  }

  /** Each item's own chunk vectors: the client's vector when it sent one, else the model's. */
  async function embedOwn(inputs: readonly MemoryInput[]): Promise<ChunkVectors[]> {
    const toEmbed = inputs.filter((input) => input.embedding === undefined);
    const embedded = await vectors.embedContents(toEmbed.map((input) => input.content));
    let next = 0;
    return inputs.map((input) => (input.embedding === undefined ? embedded[next++]! : [unitVector(input.embedding)]));
  }

  /** Inside Remember's transaction, after every item is written: re-indexes what the batch changed. */
  function reindexWritten(
    tx: Tx,
    written: ReadonlyArray<{ rowId: number; indexChanged: boolean; formerDependents: readonly number[] }>,
    windows: ReadonlyMap<string, Float32Array>,
  ): void {
    const changed = written.filter((w) => w.indexChanged);
    if (changed.length === 0) return;
    const affected = new Set<number>();
    const rows = store.byRowIds(changed.map((w) => w.rowId));
    for (const w of changed) {
      affected.add(w.rowId);
      for (const rowId of w.formerDependents) affected.add(rowId);
      const row = rows.get(w.rowId);
      if (row !== undefined) for (const rowId of threadIndex.dependents(row)) affected.add(rowId);
    }
    threadIndex.reindex(tx, affected, windows);
  }

  return {
    /** Stores a batch atomically; a failure anywhere leaves nothing written. */
    async remember(ctx: RequestContext, namespace: string, inputs: readonly MemoryInput[]) {
      if (inputs.some((input) => isBlank(input.content))) {
        throw new CortexError('INVALID_ARGUMENT', `memory content ${BLANK_RULE}`, { reason: 'INVALID_ARGUMENT' });
      }
      // Embedding is async and slow, so it happens before the transaction (the cache makes
      // re-sending unchanged content cheap): each item's own chunks, unless the client sent its
      // vector, and the thread windows the write will most likely give its memories and their
      // neighbours (thread-index.ts plannedWindows).
      const own = await embedOwn(inputs);
      const planned = threadIndex.plannedWindows(namespace, inputs, clock());
      const windowVectors = await vectors.embedTexts(planned);
      const windows = new Map(planned.map((text, i) => [text, windowVectors[i]!]));
      const now = clock();
      const outcome = transact((tx) => {
        const written = inputs.map((input, i) => {
          const result = upsert(ctx, namespace, input, now);
          // A COLD memory's vectors are out of the index: an update brings them back.
          if (result.contentChanged || (result.event !== undefined && result.before === 'COLD')) {
            vectors.storeOwn(tx, result.rowId, namespace, own[i] ?? [], sha256(input.content));
          }
          return result;
        });
        reindexWritten(tx, written, windows);
        const entries = ledger.append(tx, hotTier.afterWrites(tx, ctx, written));
        const rows = store.byRowIds(written.map((w) => w.rowId));
        const results: RememberResult[] = written.map((w) => ({
          memory: toMemory(rows.get(w.rowId)!),
          outcome: w.outcome,
        }));
        return { results, ledgerSeq: entries.at(-1)?.seq ?? 0 };
      });
      await vectors.applied();
      return outcome;
    },

    /** Fetches one memory; a COLD one is re-warmed (a ledger event), since it is in use again. */
    get(namespace: string, id: string, ctx: RequestContext = INTERNAL_CONTEXT): Memory {
      const row = store.byId(namespace, id);
      if (row === undefined || (row.expires_at !== null && row.expires_at <= clock())) {
        throw notFound('memory', { namespace, id });
      }
      coldTier.rewarm(ctx, [row]);
      touch([row.row_id]);
      return toMemory(store.byId(namespace, id)!);
    },

    list(namespace: string, filter: MemoryFilter, pageSize: number, pageToken: string) {
      const fingerprint = queryFingerprint({ namespace, filter });
      const cursor = pageToken ? decodePageToken(pageToken, fingerprint, isListCursor) : undefined;
      const condition = filterCondition(namespace, filter, clock());
      const rows = store.page(condition, cursor, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      const nextPageToken =
        rows.length > pageSize && last ? encodePageToken({ createdAt: last.created_at, id: last.id } satisfies ListAfter, fingerprint) : '';
      return { memories: page.map(toMemory), nextPageToken };
    },

    forget(ctx: RequestContext, namespace: string, ids: readonly string[], filter: MemoryFilter) {
      if (ids.length === 0 && isEmptyFilter(filter)) {
        throw new CortexError('INVALID_ARGUMENT', 'Forget needs ids or a filter with at least one constraint', {
          reason: ErrorReason.FORGET_NEEDS_SELECTOR,
          fieldViolations: [{ field: 'ids', description: 'give ids or a non-empty filter' }],
        });
      }
      return transact((tx) => {
        const condition = filterCondition(namespace, filter, null);
        const victims = store.selected(condition, ids);
        const entries = deleteWithLedger(tx, victims, (victim) => ({
          namespace,
          actor: ctx.actor,
          action: 'memory.forgotten',
          subject: victim.id,
          agentId: victim.agent_id,
          correlationId: ctx.correlationId,
        }));
        return { forgottenIds: victims.map((v) => v.id), ledgerSeq: entries.at(-1)?.seq ?? 0 };
      });
    },

    /**
     * Recall by meaning, by keyword, or both fused; filters apply inside each search. COLD memories
     * (only when the filter names the COLD tier) are found by meaning only, and re-warmed when
     * returned; HOT hits get a small boost of their HYBRID score (see hotTier.boost). Ranking (list
     * depth, fusion, boost) is index/fusion.ts.
     */
    async recall(namespace: string, query: RecallQuery, ctx: RequestContext = INTERNAL_CONTEXT): Promise<RecallHit[]> {
      const filter = withDefaultTiers(query.filter);
      const condition = filterCondition(namespace, filter, clock());
      const depth = query.mode === 'HYBRID' ? fusionDepth(query.topK) : query.topK;
      const keyword =
        query.mode === 'VECTOR'
          ? []
          : keywordIndex
              .search({ namespace, query: query.query, condition, limit: depth })
              .map((h) => ({ id: String(h.rowId), score: h.score }));
      const queryVector = query.mode === 'KEYWORD' ? undefined : await vectors.embedQuery(query.query);
      const searchIndex = (q: Float32Array) => () => vectors.search(namespace, q, depth, allowedRows(filter, condition));
      const vector =
        queryVector === undefined
          ? []
          : coldTier
              .withColdHits(filter, condition, queryVector, depth, searchIndex(queryVector))
              .map((h) => ({ id: String(h.rowId), score: h.score }));
      const ranked = fuseScores({ vector, keyword });
      const fused = query.mode === 'HYBRID' ? hotTier.boost(ranked) : ranked;
      // Rows are re-read (and re-checked against the filter) now: the async embedding above
      // leaves room for a concurrent Forget.
      const { hits, touched } = returnedHits(fused, query, (rowIds) => store.matching(rowIds, condition), toMemory);
      touch(touched);
      return coldTier.rewarmRecalled(ctx, hits, touched);
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

/**
 * The first `topK` fused hits whose rows still exist, pass the filter and reach `minScore`, with
 * the score of the query's mode. Rows are read a page at a time: most candidates are never returned.
 */
function returnedHits(
  fused: readonly FusedHit[],
  query: RecallQuery,
  rowsOf: (rowIds: number[]) => ReadonlyMap<number, MemoryRow>,
  toMemory: (row: MemoryRow) => Memory,
): { hits: RecallHit[]; touched: number[] } {
  const hits: RecallHit[] = [];
  const touched: number[] = [];
  const page = query.topK * 2;
  for (let at = 0; at < fused.length && hits.length < query.topK; at += page) {
    const candidates = fused.slice(at, at + page);
    const rows = rowsOf(candidates.map((h) => Number(h.id)));
    for (const hit of candidates) {
      const row = rows.get(Number(hit.id));
      if (row === undefined) continue;
      const score = query.mode === 'VECTOR' ? hit.vectorScore ?? 0 : query.mode === 'KEYWORD' ? hit.keywordScore ?? 0 : hit.score;
      if (score < query.minScore) continue;
      hits.push({
        memory: toMemory(row),
        score,
        ...(hit.vectorScore !== undefined ? { vectorScore: hit.vectorScore, vectorRank: hit.vectorRank ?? 0 } : {}),
        ...(hit.keywordScore !== undefined ? { keywordScore: hit.keywordScore, keywordRank: hit.keywordRank ?? 0 } : {}),
      });
      touched.push(row.row_id);
      if (hits.length === query.topK) break;
    }
  }
  return { hits, touched };
}

/** Where ListMemories stopped (the page token's content): the last memory's (created_at, id). */
function isListCursor(value: Readonly<Record<string, unknown>>): value is ListAfter & Readonly<Record<string, number | string>> {
  return Number.isSafeInteger(value.createdAt) && typeof value.id === 'string';
}

function withDefaultTiers(filter: MemoryFilter): MemoryFilter {
  return (filter.tiers?.length ?? 0) > 0 ? filter : { ...filter, tiers: DEFAULT_RECALL_TIERS };
}

function sameAsStored(
  row: MemoryRow,
  record: Omit<MemoryRecord, 'namespace' | 'id' | 'content' | 'tier' | 'now'>,
): boolean {
  // By hash: a COLD row's content column is empty (its text is compressed).
  return (
    row.agent_id === record.agentId &&
    row.content_hash === record.contentHash &&
    row.kind === record.kind &&
    row.tags === record.tags &&
    row.metadata === record.metadata &&
    row.importance === record.importance &&
    row.pinned === record.pinned &&
    row.expires_at === record.expiresAt &&
    row.thread_id === record.threadId &&
    row.occurred_at === record.occurredAt
  );
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The client's vector scaled to unit length (checked non-zero and finite at the edge). */
function unitVector(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return vector.map((x) => x / norm);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
