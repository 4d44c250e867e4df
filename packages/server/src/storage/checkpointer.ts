import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'winston';
import type { BackgroundJob } from '../jobs/index.js';
import type { Db } from './index.js';

export interface WalCheckpointerDeps {
  readonly db: Db;
  readonly path: string;
  readonly logger: Logger;
  /** How often the worker checkpoints (default 1000 ms). */
  readonly intervalMs?: number;
}

/** SQLite's default: checkpoint from the committing connection once the WAL reaches 1000 pages. */
const AUTO_CHECKPOINT_PAGES = 1000;

// CommonJS, run by `new Worker(..., { eval: true })`: its own connection, so the fsyncs of a
// checkpoint happen off the main thread. PASSIVE never blocks readers or writers.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); process.exit(0); });
`;

/**
 * Moves WAL checkpoints off the event loop. Left to SQLite, the commit that crosses the
 * threshold runs the checkpoint inline, and every request queued behind it waits (the p99 of
 * Recall over gRPC). If the worker dies, the main connection checkpoints itself again.
 */
export function createWalCheckpointer({ db, path, logger, intervalMs = 1000 }: WalCheckpointerDeps): BackgroundJob {
  let worker: Worker | undefined;
  /** Stopped, or the worker died: the main connection checkpoints itself again. */
  let finished = false;
  const checkpointOnMainConnection = (): void => {
    finished = true;
    db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  };

  return {
    start() {
      if (worker !== undefined || finished) return;
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs } });
      worker.unref();
      db.pragma('wal_autocheckpoint = 0');
      const fallBack = (reason: string) => {
        if (finished) return;
        checkpointOnMainConnection();
        logger.warn('WAL checkpoint worker stopped; checkpointing on the main connection again', { reason });
      };
      worker.on('message', (message: { error?: string }) => {
        if (message.error) logger.warn('WAL checkpoint failed', { error: message.error });
      });
      worker.on('error', (error) => fallBack(String(error)));
      worker.on('exit', (code) => fallBack(`exited with code ${code}`));
    },
    async stop(): Promise<void> {
      const running = finished ? undefined : worker;
      finished = true;
      if (running === undefined) return;
      checkpointOnMainConnection();
      const exited = once(running, 'exit');
      // Unref'd so it never holds the process open by itself; while stopping, it must.
      running.ref();
      running.postMessage('stop');
      await exited;
    },
  };
}
