import type { Ledger } from '../ledger/index.js';
import type { Transact, Tx } from '../storage/index.js';
import { compressContent, decompressContent } from './cold-content.js';
import type { HotTier } from './hot-tier.js';
import { TIER_CODES, type MemoryRow, type SqlCondition } from './rows.js';
import type { MemoryStore } from './store/index.js';
import { tierChangedEvent } from './tier-events.js';
import type { Memory, MemoryFilter, RequestContext } from './types.js';
import type { MemoryVectors, VectorHit } from './vectors.js';

export interface ColdTierDeps {
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly vectors: MemoryVectors;
  readonly hotTier: HotTier;
}

/** What archiving needs of a row. */
export interface ArchivableRow {
  readonly row_id: number;
  readonly tier: number;
  readonly content: string;
}

/**
 * The COLD tier: archived memories. Their text is deflated into memories.content_compressed
 * (content becomes ''), their int8 chunk vectors stay in memory_chunks but leave the HNSW index,
 * their keyword-index entry stays. Recall reaches them only when the filter names the COLD tier:
 * by an exact (brute-force) scan of those stored vectors, and by keyword like any other memory.
 * Reading one back (GetMemory, or a Recall hit) re-warms it.
 */
export function createColdTier({ store, transact, ledger, vectors, hotTier }: ColdTierDeps) {
  function rewarmRow(tx: Tx, row: MemoryRow): void {
    const content = row.content_compressed === null ? row.content : decompressContent(row.content_compressed);
    store.toWarm(row.row_id, content);
    vectors.restore(tx, row.row_id, row.namespace);
  }

  /** Re-warms the COLD ones among `rows` (tier WARM, text back, vectors back in HNSW), with a ledger event each. */
  function rewarm(ctx: RequestContext, rows: readonly MemoryRow[]): void {
    const cold = rows.filter((row) => row.tier === TIER_CODES.COLD);
    if (cold.length === 0) return;
    transact((tx) => {
      for (const row of cold) rewarmRow(tx, row);
      ledger.append(
        tx,
        cold.map((row) =>
          tierChangedEvent(ctx, { namespace: row.namespace, id: row.id, agentId: row.agent_id, from: 'COLD', to: 'WARM', reason: 'access' }),
        ),
      );
    });
  }

  return {
    /** Inside `tx`: moves a HOT or WARM memory to COLD. The caller appends the ledger event. */
    archive(tx: Tx, row: ArchivableRow): void {
      vectors.remove(tx, row.row_id);
      store.toCold(row.row_id, compressContent(row.content));
      if (row.tier === TIER_CODES.HOT) hotTier.dropAfterCommit(tx, [row.row_id]);
    },

    rewarm,

    /**
     * Recall's vector list: the HNSW hits, plus, when the filter asks for COLD, the COLD memories
     * matching `condition` found by exact search over their stored vectors; best `k` by cosine.
     */
    withColdHits(
      filter: MemoryFilter,
      condition: SqlCondition,
      query: Float32Array,
      k: number,
      searchIndex: () => VectorHit[],
    ): VectorHit[] {
      const tiers = filter.tiers ?? [];
      const indexed = tiers.length === 0 || tiers.some((t) => t !== 'COLD') ? searchIndex() : [];
      if (!tiers.includes('COLD')) return indexed;
      const cold = [...vectors.coldScores(query, condition)].map(([rowId, score]) => ({ rowId, score }));
      return [...indexed, ...cold].sort((a, b) => b.score - a.score || a.rowId - b.rowId).slice(0, k);
    },

    /**
     * After Recall: the COLD memories among its hits were used, so they are re-warmed like a
     * GetMemory would; the hits then show them as WARM. `rowIds[i]` is the row of `hits[i]`.
     */
    rewarmRecalled<H extends { readonly memory: Memory }>(ctx: RequestContext, hits: readonly H[], rowIds: readonly number[]): H[] {
      const coldRowIds = rowIds.filter((_, i) => hits[i]?.memory.tier === 'COLD');
      if (coldRowIds.length === 0) return [...hits];
      rewarm(ctx, [...store.byRowIds(coldRowIds).values()]);
      return hits.map((hit) => (hit.memory.tier === 'COLD' ? { ...hit, memory: { ...hit.memory, tier: 'WARM' as const } } : hit));
    },
  };
}

export type ColdTier = ReturnType<typeof createColdTier>;
