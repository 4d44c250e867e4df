// The server as `npm start` runs it, in a child process of its own (so its event loop, CPU and
// memory are its own and measurable), started on free ports with a given data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_MODEL, TEST_MODEL_DIR } from '../../../test/harness.js';

const SERVER_DIR = join(import.meta.dirname, '..', '..', '..');

export interface ServerProcess {
  readonly pid: number;
  readonly address: string;
  readonly metricsUrl: string;
  /** From spawn to "cortex serving", model load included. */
  readonly startMs: number;
  /** Resident set size now, from /proc (undefined once the process is gone). */
  rssBytes(): number | undefined;
  /** How many log lines with this message the server has written (only messages asked for when started). */
  messageCount(message: string): number;
  /** SIGTERM (a graceful stop) by default, then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcessOptions {
  /** Extra CORTEX_* settings. */
  readonly env?: Record<string, string>;
  /** Log messages to count (see messageCount); other lines are not parsed. */
  readonly countMessages?: readonly string[];
}

/** `node --import tsx src/main.ts serve`: the code of `npm start`, without a build step. */
export async function startServerProcess(
  dataDir: string,
  { env = {}, countMessages = [] }: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      CORTEX_DATA_DIR: dataDir,
      CORTEX_EMBEDDING_MODEL: TEST_MODEL,
      CORTEX_MODEL_DIR: TEST_MODEL_DIR,
      CORTEX_HOST: '127.0.0.1',
      CORTEX_PORT: '0',
      CORTEX_METRICS_PORT: '0',
      // As `npm start`: info, which logs every call (the benchmark measures that too).
      CORTEX_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const counts = new Map<string, number>();
  const ports = await new Promise<{ grpcPort: number; metricsPort: number }>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`server exited with ${code} before serving`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const counted = countMessages.find((message) => line.includes(message));
      if (counted !== undefined && parseJson(line)?.message === counted) counts.set(counted, (counts.get(counted) ?? 0) + 1);
      if (line.includes('"level":"error"') || line.includes('"level":"warn"')) process.stderr.write(`server: ${line}\n`);
      else if (line.includes('cortex serving')) {
        const entry = parseJson(line);
        if (entry?.message === 'cortex serving') resolve(entry as unknown as { grpcPort: number; metricsPort: number });
      }
    });
  });
  const pid = child.pid!;
  return {
    pid,
    address: `127.0.0.1:${ports.grpcPort}`,
    metricsUrl: `http://127.0.0.1:${ports.metricsPort}/metrics`,
    startMs: performance.now() - started,
    rssBytes() {
      try {
        const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return kb ? Number(kb[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    messageCount: (message) => counts.get(message) ?? 0,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
