import { CortexError, ErrorReason } from '../errors.js';

/** What an operator does about a missing or broken model; every model error carries it. */
export const MODEL_SETUP_HINT = 'run: npm run setup (or node scripts/fetch-model.mjs)';

export type ModelUnavailableReason = Extract<ErrorReason, `EMBEDDING_MODEL_${string}`>;

/**
 * The embedding model cannot be used: files missing, not the pinned bytes, or the runtime
 * rejects them. UNAVAILABLE because the fix is on the server side, never the caller's request.
 */
export class ModelUnavailableError extends CortexError {
  readonly modelDir: string;
  /** What is wrong, without the directory and the hint (workers report it to the main thread). */
  readonly detail: string;

  constructor(reason: ModelUnavailableReason, modelDir: string, detail: string, cause?: unknown) {
    super('UNAVAILABLE', `embedding model unavailable (${detail}) in ${modelDir}; ${MODEL_SETUP_HINT}`, {
      reason,
      cause,
    });
    this.name = 'ModelUnavailableError';
    this.modelDir = modelDir;
    this.detail = detail;
  }
}

export function embedderClosed(): CortexError {
  return new CortexError('UNAVAILABLE', 'the embedder is closed', { reason: ErrorReason.EMBEDDER_CLOSED });
}

/** Inference itself failed (the model loaded): the batch's callers get this, later batches may succeed. */
export function inferenceFailed(detail: string, cause?: unknown): CortexError {
  return new CortexError('UNAVAILABLE', `embedding failed: ${detail}`, { reason: ErrorReason.EMBEDDING_INFERENCE_FAILED, cause });
}
