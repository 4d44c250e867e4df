import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { startCortex, type RunningCortex } from '../src/app.js';
import { DEFAULT_EMBEDDING_MODEL, loadConfig } from '../src/config/index.js';
import { AgentServiceClient } from '@cortex/proto/cortex/v1/agent_service';
import { ContextServiceClient } from '@cortex/proto/cortex/v1/context_service';
import { LedgerServiceClient } from '@cortex/proto/cortex/v1/ledger_service';
import { MemoryServiceClient } from '@cortex/proto/cortex/v1/memory_service';
import { BadRequest, ErrorInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';
import { HealthClient } from '@cortex/proto/grpc/health/v1/health';
import { isLocalModelName, type LocalModelName } from '../src/embedding/index.js';
import { createLogger } from '../src/observability/logger.js';
import { Writable } from 'node:stream';
import winston from 'winston';

/** The embedding model servers under test use: CORTEX_EMBEDDING_MODEL, else the default. */
export const TEST_MODEL = testModel(process.env.CORTEX_EMBEDDING_MODEL ?? DEFAULT_EMBEDDING_MODEL);
/** Where `scripts/fetch-model.mjs` put that model for this checkout (or CORTEX_MODEL_DIR). */
export const TEST_MODEL_DIR = process.env.CORTEX_MODEL_DIR ?? join(import.meta.dirname, '..', '..', '..', 'models', TEST_MODEL);

function testModel(name: string): LocalModelName {
  if (!isLocalModelName(name)) throw new Error(`CORTEX_EMBEDDING_MODEL=${name} is not a local model`);
  return name;
}

export interface TestServer {
  readonly address: string;
  readonly dataDir: string;
  readonly cortex: RunningCortex;
  readonly memory: MemoryServiceClient;
  readonly agent: AgentServiceClient;
  readonly context: ContextServiceClient;
  readonly ledger: LedgerServiceClient;
  readonly health: HealthClient;
  /** Stops the server (gracefully) and closes the clients; removes the data dir unless kept. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  /** Reuse a data directory, e.g. to test restarts. */
  readonly dataDir?: string;
  readonly clock?: () => number;
  /** Receives every log entry (as winston's info objects), e.g. to check what was logged. */
  readonly onLog?: (entry: Record<string, unknown>) => void;
}

/** Starts the real server on an ephemeral port with its own data directory. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cortex-test-'));
  const config = loadConfig({
    CORTEX_ENV: 'test',
    CORTEX_HOST: '127.0.0.1',
    CORTEX_PORT: '0',
    CORTEX_METRICS_PORT: '0',
    CORTEX_DATA_DIR: dataDir,
    CORTEX_LOG_LEVEL: 'error',
    CORTEX_EMBEDDING_MODEL: TEST_MODEL,
    CORTEX_MODEL_DIR: TEST_MODEL_DIR,
    // One inference worker: real threads, without a second start-up per test server.
    CORTEX_EMBEDDING_WORKERS: '1',
    ...options.env,
  });
  const logger = options.onLog ? capturingLogger(options.onLog) : createLogger({ level: 'error', silent: !process.env.CORTEX_TEST_LOGS });
  const cortex = await startCortex({ config, logger, ...(options.clock ? { clock: options.clock } : {}) });
  const address = `127.0.0.1:${cortex.grpcPort}`;
  const insecure = credentials.createInsecure();
  const clients = {
    memory: new MemoryServiceClient(address, insecure),
    agent: new AgentServiceClient(address, insecure),
    context: new ContextServiceClient(address, insecure),
    ledger: new LedgerServiceClient(address, insecure),
    health: new HealthClient(address, insecure),
  };
  return {
    address,
    dataDir,
    cortex,
    ...clients,
    async stop({ keepData = false } = {}) {
      for (const client of Object.values(clients)) client.close();
      await cortex.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger at level info that hands every entry to `onLog`. */
function capturingLogger(onLog: (entry: Record<string, unknown>) => void): winston.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      onLog(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
/** The widest overload of a generated unary method, which is the one `.bind` keeps. */
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<Res>) => unknown;

/** Promisifies a generated unary method: `await call(client.remember.bind(client), request)`. */
export function call<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, {}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Resolves to the ServiceError a call fails with; rejects if it succeeds. */
export async function callError<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata?: Metadata,
): Promise<ServiceError> {
  try {
    await call(method, request, metadata);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export interface DecodedDetails {
  readonly reason: string;
  readonly metadata: Record<string, string>;
  readonly fieldViolations: Array<{ field: string; description: string }>;
}

/** Decodes the google.rpc.Status in grpc-status-details-bin. */
export function errorDetails(error: ServiceError): DecodedDetails {
  const raw = error.metadata.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) throw new Error('no grpc-status-details-bin in the error');
  const status = Status.decode(raw);
  let reason = '';
  let metadata: Record<string, string> = {};
  const fieldViolations: Array<{ field: string; description: string }> = [];
  for (const detail of status.details) {
    if (detail.typeUrl.endsWith('/google.rpc.ErrorInfo')) {
      const info = ErrorInfo.decode(detail.value);
      reason = info.reason;
      metadata = info.metadata;
    } else if (detail.typeUrl.endsWith('/google.rpc.BadRequest')) {
      for (const v of BadRequest.decode(detail.value).fieldViolations) {
        fieldViolations.push({ field: v.field, description: v.description });
      }
    }
  }
  return { reason, metadata, fieldViolations };
}
