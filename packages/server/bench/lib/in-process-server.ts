// A real Cortex server started in the benchmark's own process, with a logger that keeps the
// structured events benchmarks read (index load / replay / rebuild times).
import { Writable } from 'node:stream';
import { credentials } from '@grpc/grpc-js';
import winston from 'winston';
import { startCortex, type RunningCortex } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { MemoryServiceClient } from '@cortex/proto/cortex/v1/memory_service';
import { TEST_MODEL_DIR } from '../../test/harness.js';

export type LogEvent = Record<string, unknown>;

export interface InProcessServer {
  readonly cortex: RunningCortex;
  readonly client: MemoryServiceClient;
  /** startCortex until it serves, model load included. */
  readonly startMs: number;
  readonly events: LogEvent[];
  stop(): Promise<void>;
}

export function benchConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    CORTEX_ENV: 'test',
    CORTEX_HOST: '127.0.0.1',
    CORTEX_PORT: '0',
    CORTEX_METRICS_PORT: '0',
    CORTEX_MODEL_DIR: TEST_MODEL_DIR,
    ...env,
    CORTEX_DATA_DIR: dataDir,
  });
}

function capturingLogger(): { logger: winston.Logger; events: LogEvent[] } {
  const events: LogEvent[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') events.push(JSON.parse(line) as LogEvent);
      done();
    },
  });
  const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
  return { logger, events };
}

export async function startInProcessServer(dataDir: string, env: Record<string, string> = {}): Promise<InProcessServer> {
  const { logger, events } = capturingLogger();
  const started = performance.now();
  const cortex = await startCortex({ config: benchConfig(dataDir, env), logger });
  const startMs = performance.now() - started;
  const client = new MemoryServiceClient(`127.0.0.1:${cortex.grpcPort}`, credentials.createInsecure());
  return {
    cortex,
    client,
    startMs,
    events,
    async stop() {
      client.close();
      await cortex.stop();
    },
  };
}
