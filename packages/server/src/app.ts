import { join } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { Config } from './config/index.js';
import { createContextService } from './context/service.js';
import { createExtractiveSummarizer, createLlmSummarizer, createTokenizerRegistry } from './context/index.js';
import { createOnnxEmbedder, createSqliteEmbeddingCache, type Embedder } from './embedding/index.js';
import { createKeywordIndex } from './index/keyword.js';
import { createLedgerSubsystem } from './ledger/subsystem.js';
import { createAccessRecorder } from './memory/access-recorder.js';
import { createAgentStateStore } from './memory/agent-state.js';
import { createColdTier } from './memory/cold.js';
import { createHotTier } from './memory/hot-tier.js';
import { createMemoryService } from './memory/index.js';
import { createMaintenance } from './memory/maintenance.js';
import { createSnapshotReader } from './memory/snapshot.js';
import { createMemoryVectors, type MemoryVectors } from './memory/vectors.js';
import { createMetrics, startMetricsServer } from './observability/metrics.js';
import { createAgentRpc } from './rpc/agent-service.js';
import { createContextRpc } from './rpc/context-service.js';
import { createHealthMonitor } from './rpc/health.js';
import { createLedgerRpc } from './rpc/ledger-service.js';
import { bind, createGrpcServer, SERVICE_NAMES } from './rpc/index.js';
import { createCallInterceptor } from './rpc/interceptors.js';
import { createMemoryRpc } from './rpc/memory-service.js';
import { createTransactor, openDatabase, probeWritable, schemaVersion, SCHEMA_VERSION } from './storage/index.js';

export interface CortexOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock?: () => number;
}

export interface RunningCortex {
  readonly grpcPort: number;
  readonly metricsPort: number;
  /**
   * How the vector index came up at start: its file as saved, its file plus the changes logged
   * since (after a crash), or rebuilt from the database.
   */
  readonly vectorIndexSource: 'disk' | 'replayed' | 'rebuilt';
  /** Graceful stop: NOT_SERVING, refuse new calls, finish in-flight ones (up to the grace period), close the database. */
  stop(): Promise<void>;
}

/** Wires every part of the server from its configuration and starts listening. */
export async function startCortex({ config, logger, clock = Date.now }: CortexOptions): Promise<RunningCortex> {
  const db = openDatabase({ path: join(config.dataDir, 'cortex.db') });
  const transact = createTransactor(db);
  const metrics = createMetrics();
  const ledgerSystem = createLedgerSubsystem({ config, db, transact, clock, logger, registry: metrics.registry });
  const { ledger } = ledgerSystem;
  metrics.ledgerHead.set(ledger.head().seq);
  ledger.onCommit((entries) => metrics.ledgerHead.set(entries.at(-1)?.seq ?? 0));

  let embedder: Embedder;
  let vectors: MemoryVectors;
  try {
    embedder = await createOnnxEmbedder({
      modelDir: config.modelDir,
      logger,
      cache: (modelId) => createSqliteEmbeddingCache(db, modelId),
    });
    vectors = await createMemoryVectors({
      db,
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
  const hotTier = createHotTier({
    db,
    transact,
    ledger,
    settings: { perAgent: tiers.hotPerAgent, total: tiers.hotTotal, recallBoost: tiers.hotRecallBoost },
  });
  const access = createAccessRecorder({ db, logger });
  const coldTier = createColdTier({ db, transact, ledger, vectors, hotTier });
  const maintenance = createMaintenance({
    db,
    transact,
    ledger,
    vectors,
    hotTier,
    coldTier,
    access,
    clock,
    logger,
    settings: {
      halfLifeMs: tiers.decayHalfLifeMs,
      coldThreshold: tiers.coldThreshold,
      demoteThreshold: tiers.hotDemoteThreshold,
      promoteThreshold: tiers.hotPromoteThreshold,
      promoteWindowMs: 24 * 3_600_000,
      batchSize: tiers.maintenanceBatch,
      intervalMs: tiers.maintenanceIntervalMs,
    },
  });
  const memories = createMemoryService({ db, transact, ledger, keywordIndex: createKeywordIndex(db), vectors, hotTier, coldTier, access, clock });
  const tokenizers = createTokenizerRegistry();
  const extractive = createExtractiveSummarizer({ embedSentences: (texts) => embedder.embed(texts) });
  const context = createContextService({
    memories,
    embedder,
    tokenizers,
    clock,
    halfLifeMs: tiers.decayHalfLifeMs,
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
  const readSnapshot = createSnapshotReader({ db, agentState, ledger, hotTier, clock });

  const healthMonitor = createHealthMonitor({
    logger,
    intervalMs: config.healthCheckIntervalMs,
    checks: {
      database: () => probeWritable(db),
      embedder: () => embedder.check(),
      migrations: () => {
        const version = schemaVersion(db);
        if (version !== SCHEMA_VERSION) throw new Error(`schema at version ${version}, expected ${SCHEMA_VERSION}`);
      },
    },
    services: {
      '': ['database', 'migrations', 'embedder'],
      'cortex.v1.MemoryService': ['database', 'migrations', 'embedder'],
      'cortex.v1.ContextService': ['database', 'migrations', 'embedder'],
      'cortex.v1.LedgerService': ['database', 'migrations'],
      'cortex.v1.AgentService': ['database', 'migrations'],
    } satisfies Record<'' | (typeof SERVICE_NAMES)[number], string[]>,
  });
  await healthMonitor.runChecks();

  let draining = false;
  const server: GrpcServer = createGrpcServer({
    memory: createMemoryRpc({ memories, maintenance, logger, clock, maxContentBytes: config.maxContentBytes }),
    agent: createAgentRpc({ agentState, readSnapshot, logger }),
    context: createContextRpc({ context, logger }),
    ledger: createLedgerRpc({ ledger: ledgerSystem, logger }),
    healthMonitor,
    interceptor: createCallInterceptor({
      logger,
      metrics,
      apiKeys: config.authEnabled ? config.apiKeys : undefined,
      draining: () => draining,
    }),
  });

  let grpcPort: number;
  let metricsServer: HttpServer;
  let metricsPort: number;
  try {
    grpcPort = await bind(server, config.host, config.port);
    ({ server: metricsServer, port: metricsPort } = await startMetricsServer({
      host: config.host,
      port: config.metricsPort,
      registry: metrics.registry,
      ready: () => healthMonitor.isServing(),
    }));
  } catch (error) {
    server.forceShutdown();
    db.close();
    throw error;
  }
  healthMonitor.start();
  maintenance.start();
  logger.info('cortex serving', { grpcPort, metricsPort, dataDir: config.dataDir, env: config.env, auth: config.authEnabled });

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    metricsPort,
    vectorIndexSource: vectors.loadedFrom,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down', { graceMs: config.shutdownGraceMs });
        draining = true;
        healthMonitor.drain();
        // Ends a tier-maintenance run after its current batch, so a RunMaintenance in flight finishes.
        const maintenanceStopped = maintenance.stop();
        await ledgerSystem.stop();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            logger.warn('grace period over: cancelling calls still in flight');
            server.forceShutdown();
            resolve();
          }, config.shutdownGraceMs);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await maintenanceStopped;
        access.close();
        await vectors.close();
        await embedder.close();
        tokenizers.close();
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        db.close();
        logger.info('shutdown complete');
      })();
      return stopping;
    },
  };
}
