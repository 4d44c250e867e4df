import type { Logger } from 'winston';
import { createKeywordIndex } from '../index/keyword.js';
import type { Ledger } from '../ledger/index.js';
import type { Db, Transact } from '../storage/index.js';
import { createAccessRecorder } from './access-recorder.js';
import { createColdTier } from './cold.js';
import { createHotTier, type HotTierSettings } from './hot-tier.js';
import { createMemoryService } from './index.js';
import { createMaintenance, type MaintenanceSettings } from './maintenance.js';
import type { MemoryVectors } from './vectors.js';

export interface MemoryLayerDeps {
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly vectors: MemoryVectors;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly hot: HotTierSettings;
  readonly policy: MaintenanceSettings;
}

/**
 * The memory service with its tiers, access statistics and maintenance job, wired once for the
 * server (core.ts) and the tier tests, which differ only in the embedder behind `vectors`.
 */
export function createMemoryLayer({ db, transact, ledger, vectors, clock, logger, hot, policy }: MemoryLayerDeps) {
  const hotTier = createHotTier({ db, transact, ledger, settings: hot });
  const coldTier = createColdTier({ db, transact, ledger, vectors, hotTier });
  const access = createAccessRecorder({ db, logger });
  const maintenance = createMaintenance({ db, transact, ledger, vectors, hotTier, coldTier, access, clock, logger, settings: policy });
  const memories = createMemoryService({ db, transact, ledger, keywordIndex: createKeywordIndex(db), vectors, hotTier, coldTier, access, clock });
  return { hotTier, coldTier, access, maintenance, memories };
}

export type MemoryLayer = ReturnType<typeof createMemoryLayer>;
