// Messages between the inference pool (main thread) and its workers (inference-worker.ts).
import type { ModelUnavailableReason } from './errors.js';

export type ToWorker =
  | { readonly type: 'run'; readonly id: number; readonly texts: readonly string[] }
  /** Release the session and exit. */
  | { readonly type: 'close' };

export type ToPool =
  | { readonly type: 'ready' }
  /** The model could not be loaded; the worker exits. */
  | { readonly type: 'failed'; readonly reason: ModelUnavailableReason; readonly detail: string }
  | { readonly type: 'result'; readonly id: number; readonly vectors: Float32Array; readonly sequenceLength: number; readonly durationMs: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
