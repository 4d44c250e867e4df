import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'mocha';
import { CortexClient } from '../src/index.js';

const SERVER_DIR = join(import.meta.dirname, '..', '..', 'server');
/** The embedding model `scripts/fetch-model.mjs` put in this checkout, unless CORTEX_MODEL_DIR says otherwise. */
const MODEL_DIR = process.env.CORTEX_MODEL_DIR ?? join(import.meta.dirname, '..', '..', '..', 'models', 'e5-small-v2');

export interface CortexProcess {
  readonly address: string;
  readonly port: number;
  /** SIGTERM, wait for the exit, remove the data directory (unless it was given). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port to listen on; an ephemeral one when absent. */
  readonly port?: number;
  /** Extra CORTEX_* settings, e.g. CORTEX_API_KEYS or CORTEX_HOST. */
  readonly env?: Record<string, string>;
  /** A data directory to use and keep (for restarts); a fresh one, removed at stop, when absent. */
  readonly dataDir?: string;
}

/** Starts `cortex serve` as a child process with its own data directory; resolves once it serves. */
export async function startServer(options: StartOptions = {}): Promise<CortexProcess> {
  const host = options.env?.CORTEX_HOST ?? '127.0.0.1';
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cortex-client-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      CORTEX_ENV: 'test',
      CORTEX_HOST: host,
      CORTEX_PORT: String(options.port ?? 0),
      CORTEX_METRICS_PORT: '0',
      CORTEX_DATA_DIR: dataDir,
      CORTEX_MODEL_DIR: MODEL_DIR,
      CORTEX_LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => {
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`cortex exited with ${code} before serving`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = parseLine(line);
        if (entry?.message === 'cortex serving' && typeof entry.grpcPort === 'number') resolve(entry.grpcPort);
      });
    });
    return {
      address: `${host}:${port}`,
      port,
      async stop() {
        child.kill('SIGTERM');
        await exited;
        cleanup();
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw error;
  }
}

function parseLine(line: string): { message?: unknown; grpcPort?: unknown } | undefined {
  try {
    return JSON.parse(line) as { message?: unknown; grpcPort?: unknown };
  } catch {
    return undefined;
  }
}

/** A port nothing listens on right now (bound to 0, read back, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * Starts a real server for the enclosing describe block and stops it afterwards; the returned
 * function gives the client connected to it, inside that block's tests.
 */
export function withRealServer(): () => CortexClient {
  let server: CortexProcess | undefined;
  let client: CortexClient | undefined;
  before(async () => {
    server = await startServer();
    client = new CortexClient({ address: server.address, defaultDeadlineMs: 10_000 });
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });
  return () => {
    if (client === undefined) throw new Error('the server has not started');
    return client;
  };
}
