import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type winston from 'winston';
import { CortexError, ErrorReason } from '../errors.js';
import { embedderClosed, inferenceFailed, ModelUnavailableError } from './errors.js';
import { createInferenceCore, type BatchResult, type InferenceSetup } from './inference.js';
import type { ToPool, ToWorker } from './worker-protocol.js';

/** Runs inference batches, up to `capacity` at once. */
export interface InferenceRunner {
  readonly capacity: number;
  run(texts: readonly string[]): Promise<BatchResult>;
  /** Frees the sessions; call once no batch is running (the micro-batcher drains first). */
  close(): Promise<void>;
}

export interface InferencePoolOptions {
  readonly setup: InferenceSetup;
  /** Worker threads, each with its own session; at least 1. */
  readonly workers: number;
  readonly logger: winston.Logger;
  /** The worker's entry; tests pass a script that misbehaves on purpose. */
  readonly workerUrl?: URL;
}

// The worker entry next to this module: .ts under tsx (tests, benchmarks), .js once built.
const DEFAULT_WORKER_URL = new URL(`./inference-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
/**
 * The code a worker runs: an import of its entry. Under tsx (tests, benchmarks) the entry is
 * TypeScript, and Node 20 does not give workers the main thread's module hooks, so tsx's are
 * registered in the worker first.
 */
function workerSource(entry: URL): string {
  const load = `import(${JSON.stringify(entry.href)})`;
  if (!entry.pathname.endsWith('.ts')) return load;
  // The ESM build of tsx/esm/api, found through its package.json (this module may itself run as CommonJS).
  const require = createRequire(import.meta.url);
  const pkg = require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), pkg.exports['./esm/api']!.import.default)).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return ${load}; })`;
}
const CLOSE_TIMEOUT_MS = 5_000;
const MAX_RESTART_DELAY_MS = 30_000;

interface Job {
  readonly id: number;
  readonly texts: readonly string[];
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  closing: boolean;
  job: Job | undefined;
}

/** Runs batches on the main thread: for comparisons, and for machines where a thread costs too much. */
export async function createInlineRunner(setup: InferenceSetup): Promise<InferenceRunner> {
  const core = await createInferenceCore(setup);
  return { capacity: 1, run: (texts) => core.run(texts), close: () => core.release() };
}

/**
 * Worker threads that each own an ONNX session, so inference never blocks the event loop. A batch
 * goes to an idle worker; a worker that dies fails its batch with UNAVAILABLE and is replaced.
 */
export async function createInferencePool(options: InferencePoolOptions): Promise<InferenceRunner> {
  const { setup, logger } = options;
  if (options.workers < 1) throw new RangeError('an inference pool needs at least one worker');
  const source = workerSource(options.workerUrl ?? DEFAULT_WORKER_URL);
  const slots = new Set<Slot>();
  const waiting: Job[] = [];
  let nextJobId = 1;
  let closed = false;
  /** Why the last replacement failed; runs fail fast with it while no worker is alive. */
  let lastFailure: CortexError | undefined;

  const live = (): number => [...slots].filter((s) => !s.closing).length;

  const dispatch = (): void => {
    for (const slot of slots) {
      if (!slot.ready || slot.closing || slot.job !== undefined) continue;
      const job = waiting.shift();
      if (job === undefined) return;
      slot.job = job;
      slot.worker.ref(); // a batch in flight keeps the process alive; an idle worker does not
      slot.worker.postMessage({ type: 'run', id: job.id, texts: job.texts } satisfies ToWorker);
    }
  };

  const finish = (slot: Slot, id: number, settle: (job: Job) => void): void => {
    const job = slot.job;
    if (job?.id !== id) return;
    slot.job = undefined;
    slot.worker.unref();
    settle(job);
    dispatch();
  };

  /** Starts one worker; resolves once its model is loaded, rejects if it cannot load. */
  const start = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: setup });
      const slot: Slot = { worker, ready: false, closing: false, job: undefined };
      slots.add(slot);
      let crash: unknown;
      worker.on('message', (message: ToPool) => {
        switch (message.type) {
          case 'ready':
            slot.ready = true;
            worker.unref(); // until dispatch gives it a batch
            resolve();
            dispatch();
            return;
          case 'failed':
            slot.closing = true;
            reject(new ModelUnavailableError(message.reason, setup.modelDir, message.detail));
            return;
          case 'result':
            finish(slot, message.id, (job) => job.resolve(message));
            return;
          case 'error':
            finish(slot, message.id, (job) => job.reject(inferenceFailed(message.message)));
        }
      });
      worker.on('error', (err) => {
        crash = err;
      });
      worker.on('exit', (code) => {
        slots.delete(slot);
        const wasClosing = slot.closing;
        slot.closing = true;
        if (!slot.ready) {
          if (!wasClosing) {
            reject(new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, setup.modelDir, `an inference worker exited with code ${code} while loading`, crash));
          }
          return;
        }
        if (wasClosing || closed) return;
        const reason = crash instanceof Error ? crash.message : `exit code ${code}`;
        logger.error('an embedding inference worker died; replacing it', { error: reason });
        slot.job?.reject(
          new CortexError('UNAVAILABLE', `embedding failed: the inference worker died (${reason})`, { reason: ErrorReason.EMBEDDING_WORKER_DIED, cause: crash }),
        );
        void replace();
      });
    });

  const replace = async (): Promise<void> => {
    for (let attempt = 0; !closed; attempt += 1) {
      try {
        await start();
        lastFailure = undefined;
        return;
      } catch (err) {
        lastFailure = err instanceof CortexError ? err : inferenceFailed('an inference worker cannot start', err);
        logger.error('an embedding inference worker cannot start; retrying', { attempt, error: lastFailure.message });
        if (live() === 0) for (const job of waiting.splice(0)) job.reject(lastFailure);
        await new Promise((r) => setTimeout(r, Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** attempt)).unref());
      }
    }
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all(
      [...slots].map(async (slot) => {
        slot.closing = true;
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void slot.worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  const started = await Promise.allSettled(Array.from({ length: options.workers }, () => start()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    closed = true;
    await stopAll();
    throw failed.reason;
  }

  return {
    capacity: options.workers,
    run(texts) {
      if (closed) return Promise.reject(embedderClosed());
      if (live() === 0 && lastFailure !== undefined) return Promise.reject(lastFailure);
      return new Promise<BatchResult>((resolve, reject) => {
        waiting.push({ id: nextJobId++, texts, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of waiting.splice(0)) job.reject(embedderClosed());
      await stopAll();
    },
  };
}
