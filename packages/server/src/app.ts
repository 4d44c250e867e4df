import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { openKeyStore } from './auth/index.js';
import type { Config } from './config/index.js';
import { openCortexCore } from './core.js';
import type { BackgroundJob } from './jobs/index.js';
import type { LedgerSubsystem } from './ledger/subsystem.js';
import { createMetrics, startMetricsServer } from './observability/metrics.js';
import { createAgentRpc } from './rpc/agent-service.js';
import { createContextRpc } from './rpc/context-service.js';
import { accessRules } from './rpc/access.js';
import { loadDescriptors } from './rpc/descriptors.js';
import { createHealthMonitor } from './rpc/health.js';
import { createLedgerRpc } from './rpc/ledger-service.js';
import { bind, createGrpcServer, SERVICE_NAMES } from './rpc/index.js';
import { createCallInterceptor } from './rpc/interceptors.js';
import { createMemoryRpc } from './rpc/memory-service.js';
import { createRateLimiter } from './rpc/rate-limit.js';
import { createTransport } from './rpc/tls.js';
import { probeWritable, schemaVersion, SCHEMA_VERSION } from './storage/index.js';

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
  /**
   * Re-reads the API key file and the TLS certificates (what SIGHUP does; file changes are
   * picked up on their own too). Whatever fails to load is logged and the old one stays.
   */
  reload(): Promise<{ readonly keys: boolean; readonly certificates: boolean }>;
  /** Graceful stop: NOT_SERVING, refuse new calls, finish in-flight ones (up to the grace period), close the database. */
  stop(): Promise<void>;
}

/** Wires every part of the server from its configuration and starts listening. */
export async function startCortex({ config, logger, clock = Date.now }: CortexOptions): Promise<RunningCortex> {
  const metrics = createMetrics();
  // Security first: a bad key file or certificate stops start-up before any data is opened.
  const keys = config.auth.enabled ? await openKeyStore({ file: config.auth.keysFile, envKeys: config.auth.envKeys, logger }) : undefined;
  const transport = createTransport({ tls: config.tls, logger });
  warnAboutSecurity(config, logger);
  const core = await openCortexCore({ config, logger, clock, registry: metrics.registry });
  const { db, ledgerSystem, embedder, vectors, maintenance, memories, context, agentState, readSnapshot } = core;
  metrics.ledgerHead.set(ledgerSystem.ledger.head().seq);
  ledgerSystem.ledger.onCommit((entries) => metrics.ledgerHead.set(entries.at(-1)?.seq ?? 0));

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
      ledger: () => ledgerSystem.integrity.check(),
    },
    services: {
      '': ['database', 'migrations', 'embedder'],
      'cortex.v1.MemoryService': ['database', 'migrations', 'embedder'],
      'cortex.v1.ContextService': ['database', 'migrations', 'embedder'],
      // A ledger that failed start-up verification takes no writes: LedgerService is NOT_SERVING, reads still answer.
      'cortex.v1.LedgerService': ['database', 'migrations', 'ledger'],
      'cortex.v1.AgentService': ['database', 'migrations'],
    } satisfies Record<'' | (typeof SERVICE_NAMES)[number], string[]>,
  });
  await healthMonitor.runChecks();

  let draining = false;
  const descriptors = loadDescriptors();
  const server: GrpcServer = createGrpcServer({
    descriptors,
    memory: createMemoryRpc({
      memories, maintenance, logger, clock, maxContentBytes: config.maxContentBytes, embeddingDimensions: embedder.dimensions,
    }),
    agent: createAgentRpc({ agentState, readSnapshot, logger }),
    context: createContextRpc({ context, logger }),
    ledger: createLedgerRpc({ ledger: ledgerSystem, logger }),
    healthMonitor,
    interceptor: createCallInterceptor({
      logger,
      metrics,
      keys,
      access: accessRules(descriptors.registry),
      draining: () => draining,
      rateLimiter: config.rateLimit ? createRateLimiter(config.rateLimit) : undefined,
    }),
  });

  let grpcPort: number;
  let metricsServer: HttpServer;
  let metricsPort: number;
  try {
    grpcPort = await bind(server, config.host, config.port, transport.credentials);
    ({ server: metricsServer, port: metricsPort } = await startMetricsServer({
      host: config.metricsHost,
      port: config.metricsPort,
      registry: metrics.registry,
      ready: () => healthMonitor.isServing(),
    }));
  } catch (error) {
    server.forceShutdown();
    await core.close();
    throw error;
  }
  // Started in this order, stopped in reverse: the health monitor reports NOT_SERVING first, tier
  // maintenance ends after its current batch (so a RunMaintenance in flight can finish), then the
  // servers drain, and only then do core's jobs write what the last calls left pending.
  core.jobs.add(
    metrics.eventLoopLag,
    servingJob({ server, metricsServer, ledgerSystem, graceMs: config.shutdownGraceMs, logger }),
    maintenance,
    healthMonitor,
    ...(keys ? [keys] : []),
    transport.watcher,
  );
  core.jobs.start();
  logger.info('cortex serving', {
    grpcPort,
    metricsPort,
    dataDir: config.dataDir,
    env: config.env,
    auth: config.auth.enabled,
    apiKeys: keys?.size ?? 0,
    tls: config.tls === undefined ? 'off' : config.tls.clientCaFile === undefined ? 'tls' : 'mutual',
  });

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    metricsPort,
    vectorIndexSource: vectors.loadedFrom,
    async reload() {
      return { keys: (await keys?.reload()) ?? true, certificates: transport.reload() };
    },
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down', { graceMs: config.shutdownGraceMs });
        draining = true;
        await core.close();
        logger.info('shutdown complete');
      })();
      return stopping;
    },
  };
}

interface ServingJobDeps {
  readonly server: GrpcServer;
  readonly metricsServer: HttpServer;
  readonly ledgerSystem: Pick<LedgerSubsystem, 'closeStreams'>;
  readonly graceMs: number;
  readonly logger: Logger;
}

/**
 * The listening servers as a job, so they stop in their place among the others. They are bound
 * before the jobs start (a port in use must fail start-up), so starting has nothing left to do.
 */
function servingJob({ server, metricsServer, ledgerSystem, graceMs, logger }: ServingJobDeps): BackgroundJob {
  return {
    start: () => undefined,
    async stop() {
      // Ledger streams end (flushed, then UNAVAILABLE) first, or they would hold tryShutdown.
      await ledgerSystem.closeStreams();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          logger.warn('grace period over: cancelling calls still in flight');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      metricsServer.closeAllConnections();
    },
  };
}

/** Configurations that run, but that an operator should know are weak. */
function warnAboutSecurity(config: Config, logger: Logger): void {
  if (!config.auth.enabled) logger.warn('auth is off: every caller may read and write every namespace (set CORTEX_API_KEYS_FILE)');
  else if (config.tls === undefined && !config.tlsTerminatedByProxy) {
    logger.warn('plaintext gRPC with auth on: API keys travel in cleartext (set CORTEX_TLS_CERT and CORTEX_TLS_KEY)');
  }
  if (config.env === 'production' && config.auth.envKeys.length > 0) {
    logger.warn('CORTEX_API_KEYS is meant for development: keep production keys hashed in CORTEX_API_KEYS_FILE');
  }
}
