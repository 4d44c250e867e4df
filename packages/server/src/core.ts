import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from 'winston';
import type { Config } from './config/index.js';
import { createContextService, type ContextService } from './context/service.js';
import { createExtractiveSummarizer, createLlmSummarizer, createTokenizerRegistry, defaultRelevanceFloor } from './context/index.js';
import { createEmbedder, createSqliteEmbeddingCache, type Embedder } from './embedding/index.js';
import { createJobs, type Jobs } from './jobs/index.js';
import { createLedgerSubsystem, type LedgerSubsystem } from './ledger/subsystem.js';
import { createAgentStateStore, type AgentStateStore } from './memory/agent-state.js';
import type { MemoryService } from './memory/index.js';
import { createMemoryLayer } from './memory/layer.js';
import type { Maintenance } from './memory/maintenance.js';
import { createSnapshotReader, type SnapshotReader } from './memory/snapshot.js';
import { createMemoryStore } from './memory/store/index.js';
import { createMemoryVectors, type MemoryVectors } from './memory/vectors.js';
import { createWalCheckpointer } from './storage/checkpointer.js';
import { createTransactor, openDatabase, type Db } from './storage/index.js';

export interface CortexCoreOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Where the ledger registers its metrics. */
  readonly registry: Registry;
}

/**
 * Every domain part of Cortex wired from its configuration, without any transport: the gRPC
 * server (app.ts) and the benchmarks both stand on it, so they measure the same code.
 */
export interface CortexCore {
  readonly db: Db;
  readonly ledgerSystem: LedgerSubsystem;
  readonly embedder: Embedder;
  readonly vectors: MemoryVectors;
  readonly maintenance: Maintenance;
  readonly memories: MemoryService;
  readonly context: ContextService;
  readonly agentState: AgentStateStore;
  readonly readSnapshot: SnapshotReader;
  /**
   * The background jobs, none started yet: WAL checkpoints, ledger maintenance, vector index saves
   * and access statistics, in that order; the server adds its own after them and starts them all.
   */
  readonly jobs: Jobs;
  /**
   * Stops every job, last started first (pending access statistics and the vector index are written,
   * the final ledger head signed), frees the model (its inference workers exit), closes the database.
   */
  close(): Promise<void>;
}

export async function openCortexCore({ config, logger, clock, registry }: CortexCoreOptions): Promise<CortexCore> {
  const dbPath = join(config.dataDir, 'cortex.db');
  const db: Db = openDatabase({ path: dbPath });
  const transact = createTransactor(db);
  const ledgerSystem = createLedgerSubsystem({ config, db, transact, clock, logger, registry });
  const { ledger } = ledgerSystem;
  try {
    // Before anything can append: a ledger that fails refuses writes (never reusing a seq).
    await ledgerSystem.start();
  } catch (error) {
    db.close();
    throw error;
  }

  const store = createMemoryStore(db);
  let embedder: Embedder;
  let vectors: MemoryVectors;
  try {
    embedder = await createEmbedder(config.embedding, { logger, cache: (modelId) => createSqliteEmbeddingCache(db, modelId) });
    vectors = await createMemoryVectors({
      db,
      store,
      embedder,
      logger,
      indexPath: join(config.dataDir, 'vectors.hnsw'),
      saveIntervalMs: config.indexSaveIntervalMs,
    });
  } catch (error) {
    db.close();
    throw error;
  }

  const { tiers } = config;
  const { hotTier, access, maintenance, memories } = createMemoryLayer({ db, store, transact, ledger, vectors, clock, logger, tiers });
  const tokenizers = createTokenizerRegistry();
  const extractive = createExtractiveSummarizer({ embedSentences: (texts, purpose = 'document') => embedder.embed(texts, purpose) });
  const context = createContextService({
    memories,
    embedder,
    tokenizers,
    clock,
    halfLifeMs: tiers.decayHalfLifeMs,
    relevanceFloor: defaultRelevanceFloor(config.embedding),
    summarizer: config.summarizer
      ? createLlmSummarizer({
          baseUrl: config.summarizer.url,
          model: config.summarizer.model,
          timeoutMs: config.summarizer.timeoutMs,
          fallback: extractive,
          ...(config.summarizer.apiKey ? { apiKey: config.summarizer.apiKey } : {}),
          onFallback: (reason, error) => logger.warn('LLM summarizer failed; used the extractive summary', { reason, error: String(error) }),
        })
      : extractive,
  });
  const agentState = createAgentStateStore({ db, transact, ledger, clock });
  const readSnapshot = createSnapshotReader({ db, store, agentState, ledger, hotTier, clock });
  const jobs = createJobs();
  jobs.add(createWalCheckpointer({ db, path: dbPath, logger }), ledgerSystem.maintenance, vectors, access);

  return {
    db,
    ledgerSystem,
    embedder,
    vectors,
    maintenance,
    memories,
    context,
    agentState,
    readSnapshot,
    jobs,
    async close(): Promise<void> {
      await jobs.stop();
      await embedder.close();
      tokenizers.close();
      db.close();
    },
  };
}
