import type { Logger } from 'winston';
import type { TierConfig } from '../config/index.js';
import { createKeywordIndex } from '../index/keyword.js';
import type { Ledger } from '../ledger/index.js';
import type { Db, Transact } from '../storage/index.js';
import { createAccessRecorder } from './access-recorder.js';
import { createColdTier } from './cold.js';
import { createDeleteWithLedger } from './delete.js';
import { createHotTier } from './hot-tier.js';
import { createMemoryService } from './index.js';
import { createReembedder } from './reembed.js';
import { createThreadIndex } from './thread-index.js';
import { createMaintenance } from './maintenance.js';
import type { MemoryStore } from './store/index.js';
import type { MemoryVectors } from './vectors.js';

export interface MemoryLayerDeps {
  /** For the keyword index (index/keyword.ts), which keeps its tables in the same database. */
  readonly db: Db;
  /** Shared with the vectors and the snapshot reader: one set of prepared statements. */
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly vectors: MemoryVectors;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly tiers: TierConfig;
}

/**
 * The memory service with its tiers, access statistics and maintenance job, wired once for the
 * server (core.ts) and the tier tests, which differ only in the embedder behind `vectors`.
 */
export function createMemoryLayer({ db, store, transact, ledger, vectors, clock, logger, tiers }: MemoryLayerDeps) {
  const hot = { perAgent: tiers.hotPerAgent, total: tiers.hotTotal, recallBoost: tiers.hotRecallBoost };
  const hotTier = createHotTier({ store, transact, ledger, settings: hot });
  const coldTier = createColdTier({ store, transact, ledger, vectors, hotTier });
  const access = createAccessRecorder({ store, logger });
  const keywordIndex = createKeywordIndex(db);
  const threadIndex = createThreadIndex({ store, keywordIndex, vectors });
  const backfilled = threadIndex.backfill(transact);
  if (backfilled > 0) logger.info('keyword index: indexed memories written before it', { memories: backfilled });
  const deleteWithLedger = createDeleteWithLedger({ store, vectors, hotTier, ledger, threadIndex });
  const reembed = createReembedder({ store, transact, vectors, threadIndex });
  const maintenance = createMaintenance({
    store, transact, ledger, hotTier, coldTier, deleteWithLedger, reembed, access, clock, logger, tiers,
  });
  const memories = createMemoryService({
    store, transact, ledger, keywordIndex, threadIndex, vectors, hotTier, coldTier, access, deleteWithLedger, clock,
  });
  return { hotTier, coldTier, access, maintenance, memories };
}

export type MemoryLayer = ReturnType<typeof createMemoryLayer>;
