import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type winston from 'winston';
import { chunkText } from './chunking.js';
import { EMBEDDING_DIMENSIONS, MAX_SEQUENCE_TOKENS, type EmbedPurpose, type Embedder } from './embedder.js';
import { createLruEmbeddingCache, type EmbeddingCache } from './embedding-cache.js';
import { ErrorReason } from '../errors.js';
import { embedderClosed, ModelUnavailableError } from './errors.js';
import type { InferenceSetup } from './inference.js';
import { createInferencePool, createInlineRunner, type InferenceRunner } from './inference-pool.js';
import { createMicroBatcher } from './micro-batcher.js';
import { loadModelFiles, type ModelFiles } from './model-files.js';
import { MODELS, type LocalModelName } from './models.js';
import { createCachedVectors } from './vector-cache.js';
import { createWordPiece, type WordPiece } from './word-piece.js';

export interface InferenceEvent {
  readonly batchSize: number;
  /** Padded length of the batch, special tokens included. */
  readonly sequenceLength: number;
  readonly durationMs: number;
}

export interface OnnxEmbedderDeps {
  /** Holds model.onnx and the tokenizer files, as put there by scripts/fetch-model.mjs. */
  readonly modelDir: string;
  /** The model in modelDir; its files must match that model's pins. */
  readonly model: LocalModelName;
  readonly logger: winston.Logger;
  /** Texts per inference call (default 32). */
  readonly maxBatchSize?: number;
  /** Inference worker threads, one session each (default: one per core, at most 4); 0 runs inference on the main thread. */
  readonly workers?: number;
  /** onnxruntime threads per inference call (default 1 per worker; onnxruntime's choice on the main thread). */
  readonly intraOpNumThreads?: number;
  /** Defaults to an in-process LRU; pass createSqliteEmbeddingCache(...) to persist. */
  readonly cache?: EmbeddingCache | ((modelId: string) => EmbeddingCache);
  /** How long a lone request waits for others to share its batch (default 0: the current turn). */
  readonly batchWindowMs?: number;
  /** Called after every inference call, e.g. for metrics. */
  readonly onInference?: (event: InferenceEvent) => void;
}

const DEFAULT_MAX_BATCH_SIZE = 32;
const MAX_DEFAULT_WORKERS = 4;
// Chunks share this many tokens with the previous chunk, about a sentence.
const CHUNK_OVERLAP_TOKENS = 32;
const HEALTH_PROBE = 'cortex embedding health check';

function defaultWorkerCount(): number {
  return Math.min(MAX_DEFAULT_WORKERS, Math.max(1, availableParallelism()));
}

/**
 * Texts of about the same length share a batch, so a short text is not padded to a long one:
 * buckets double in characters (a proxy for tokens: the workers tokenize) from 32 up to 1024.
 */
function lengthBucket(text: string): number {
  return Math.min(10, Math.ceil(Math.log2(Math.max(32, text.length))));
}

export async function createOnnxEmbedder(deps: OnnxEmbedderDeps): Promise<Embedder> {
  const started = performance.now();
  const files = await loadModelFiles(deps.modelDir, MODELS[deps.model]);
  return createEmbedderFromFiles(files, deps, started);
}

interface Item {
  readonly text: string;
  readonly urgent: boolean;
}

/** For benchmarks comparing other graphs (e.g. fp32): skips the pin check, so not for serving. */
export async function createEmbedderFromFiles(files: ModelFiles, deps: OnnxEmbedderDeps, started = performance.now()): Promise<Embedder> {
  const { modelDir, logger } = deps;
  const { spec } = files;
  const modelId = files.graph.modelId;
  const workers = deps.workers ?? defaultWorkerCount();

  let wordPiece: WordPiece;
  try {
    // The main thread tokenizes only to count and chunk; the workers tokenize what they embed.
    wordPiece = createWordPiece(files.tokenizerJson, files.tokenizerConfig, MAX_SEQUENCE_TOKENS);
  } catch (err) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_CORRUPT, modelDir, 'the tokenizer files cannot be used', err);
  }
  const intraOpNumThreads = deps.intraOpNumThreads ?? (workers > 0 ? 1 : undefined);
  const setup: InferenceSetup = {
    modelDir,
    onnx: files.onnx,
    tokenizerJson: files.tokenizerJson,
    tokenizerConfig: files.tokenizerConfig,
    pooling: spec.pooling,
    dimensions: EMBEDDING_DIMENSIONS,
    maxTokens: MAX_SEQUENCE_TOKENS,
    ...(intraOpNumThreads === undefined ? {} : { intraOpNumThreads }),
  };
  const runner: InferenceRunner = workers > 0 ? await createInferencePool({ setup, workers, logger }) : await createInlineRunner(setup);

  const batcher = createMicroBatcher<Item, Float32Array>({
    run: async (items) => {
      const result = await runner.run(items.map((item) => item.text));
      try {
        deps.onInference?.({ batchSize: items.length, sequenceLength: result.sequenceLength, durationMs: result.durationMs });
      } catch (err) {
        logger.warn('embedding onInference hook failed', { error: String(err) });
      }
      return items.map((_, i) => result.vectors.slice(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS));
    },
    maxBatchSize: deps.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    maxConcurrency: runner.capacity,
    windowMs: deps.batchWindowMs ?? 0,
    closedError: embedderClosed,
    bucketOf: (item) => lengthBucket(item.text),
    // Someone waits on a query (Recall); documents (Remember) come in bulk and can wait a batch.
    isUrgent: (item) => item.urgent,
  });

  // A factory lets the caller key a persistent cache by the model id, known only once the files load.
  const cache = typeof deps.cache === 'function' ? deps.cache(modelId) : (deps.cache ?? createLruEmbeddingCache());
  const embedCached = createCachedVectors({
    modelId,
    dimensions: EMBEDDING_DIMENSIONS,
    cache,
    logger,
    prefixes: { query: spec.queryPrefix, document: spec.documentPrefix },
    compute: (text, purpose) => batcher.submit({ text, urgent: purpose === 'query' }),
  });

  let closing: Promise<void> | undefined;

  logger.info('embedding model loaded', {
    modelId,
    sha256: files.graph.sha256,
    modelDir,
    workers,
    intraOpNumThreads: intraOpNumThreads ?? 'default',
    loadMs: Math.round(performance.now() - started),
  });

  return {
    modelId,
    dimensions: EMBEDDING_DIMENSIONS,

    embed(texts: readonly string[], purpose: EmbedPurpose) {
      if (closing !== undefined) return Promise.reject(embedderClosed());
      return embedCached(texts, purpose);
    },

    countTokens: (text) => wordPiece.countTokens(text),

    chunk: (text) =>
      chunkText(text, {
        // The document prefix shares the window with the chunk.
        maxTokens: MAX_SEQUENCE_TOKENS - wordPiece.countTokens(spec.documentPrefix),
        overlapTokens: CHUNK_OVERLAP_TOKENS,
        countTokens: (piece) => wordPiece.countContentTokens(piece),
      }),

    async check() {
      if (closing !== undefined) throw embedderClosed();
      let vector: Float32Array;
      try {
        // Past the cache on purpose: health means the model runs now.
        vector = await batcher.submit({ text: HEALTH_PROBE, urgent: true });
      } catch (err) {
        throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, modelDir, 'inference failed', err);
      }
      let sum = 0;
      for (const v of vector) sum += v * v;
      if (vector.length !== EMBEDDING_DIMENSIONS || !Number.isFinite(sum) || Math.abs(sum - 1) > 1e-3) {
        throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, modelDir, 'inference returned an invalid vector');
      }
    },

    close() {
      closing ??= (async () => {
        await batcher.close();
        await runner.close();
        logger.info('embedding model closed', { modelId });
      })();
      return closing;
    },
  };
}
