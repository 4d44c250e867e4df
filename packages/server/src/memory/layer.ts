import type { Logger } from 'winston';
import type { TierConfig } from '../config/index.js';
import { createKeywordIndex } from '../index/keyword.js';
import type { Ledger } from '../ledger/index.js';
import type { Db, Transact } from '../storage/index.js';
import { createAccessRecorder } from './access-recorder.js';
import { createColdTier } from './cold.js';
import { createHotTier } from './hot-tier.js';
import { createMemoryService } from './index.js';
import { createMaintenance } from './maintenance.js';
import type { MemoryVectors } from './vectors.js';

export interface MemoryLayerDeps {
  readonly db: Db;
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
export function createMemoryLayer({ db, transact, ledger, vectors, clock, logger, tiers }: MemoryLayerDeps) {
  const hot = { perAgent: tiers.hotPerAgent, total: tiers.hotTotal, recallBoost: tiers.hotRecallBoost };
  const hotTier = createHotTier({ db, transact, ledger, settings: hot });
  const coldTier = createColdTier({ db, transact, ledger, vectors, hotTier });
  const access = createAccessRecorder({ db, logger });
  const maintenance = createMaintenance({ db, transact, ledger, vectors, hotTier, coldTier, access, clock, logger, tiers });
  const memories = createMemoryService({ db, transact, ledger, keywordIndex: createKeywordIndex(db), vectors, hotTier, coldTier, access, clock });
  return { hotTier, coldTier, access, maintenance, memories };
}

export type MemoryLayer = ReturnType<typeof createMemoryLayer>;
