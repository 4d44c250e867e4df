import { join } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { Config } from './config/index.js';
import { createKeywordIndex } from './index/keyword.js';
import { createLedger } from './ledger/index.js';
import { createAgentStateStore } from './memory/agent-state.js';
import { createMemoryService } from './memory/index.js';
import { createSnapshotReader } from './memory/snapshot.js';
import { createMetrics, startMetricsServer } from './observability/metrics.js';
import { createAgentRpc } from './rpc/agent-service.js';
import { createHealthMonitor } from './rpc/health.js';
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
  /** Graceful stop: NOT_SERVING, refuse new calls, finish in-flight ones (up to the grace period), close the database. */
  stop(): Promise<void>;
}

/** Wires every part of the server from its configuration and starts listening. */
export async function startCortex({ config, logger, clock = Date.now }: CortexOptions): Promise<RunningCortex> {
  const db = openDatabase({ path: join(config.dataDir, 'cortex.db') });
  const transact = createTransactor(db);
  const ledger = createLedger({ db, clock });
  const metrics = createMetrics();
  metrics.ledgerHead.set(ledger.head().seq);
  ledger.onCommit((entries) => metrics.ledgerHead.set(entries.at(-1)?.seq ?? 0));

  const memories = createMemoryService({ db, transact, ledger, keywordIndex: createKeywordIndex(db), clock });
  const agentState = createAgentStateStore({ db, transact, ledger, clock });
  const readSnapshot = createSnapshotReader({ db, agentState, ledger, clock });

  const healthMonitor = createHealthMonitor({
    logger,
    intervalMs: config.healthCheckIntervalMs,
    checks: {
      database: () => probeWritable(db),
      migrations: () => {
        const version = schemaVersion(db);
        if (version !== SCHEMA_VERSION) throw new Error(`schema at version ${version}, expected ${SCHEMA_VERSION}`);
      },
    },
    services: Object.fromEntries(['', ...SERVICE_NAMES].map((name) => [name, ['database', 'migrations']])),
  });
  await healthMonitor.runChecks();

  let draining = false;
  const server: GrpcServer = createGrpcServer({
    memory: createMemoryRpc({ memories, logger, clock, maxContentBytes: config.maxContentBytes }),
    agent: createAgentRpc({ agentState, readSnapshot, logger }),
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
  logger.info('cortex serving', { grpcPort, metricsPort, dataDir: config.dataDir, env: config.env, auth: config.authEnabled });

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    metricsPort,
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down', { graceMs: config.shutdownGraceMs });
        draining = true;
        healthMonitor.drain();
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
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        db.close();
        logger.info('shutdown complete');
      })();
      return stopping;
    },
  };
}
