import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type winston from 'winston';
import { chunkText } from './chunking.js';
import { EMBEDDING_DIMENSIONS, MAX_SEQUENCE_TOKENS, type Embedder } from './embedder.js';
import { createLruEmbeddingCache, embeddingCacheKey, type EmbeddingCache } from './embedding-cache.js';
import { ErrorReason } from '../errors.js';
import { embedderClosed, ModelUnavailableError } from './errors.js';
import { createMicroBatcher } from './micro-batcher.js';
import { loadModelFiles, MODEL_FILE, type ModelFiles } from './model-files.js';
import { meanPoolNormalized } from './pooling.js';
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
  readonly logger: winston.Logger;
  /** Texts per inference call (default 32). */
  readonly maxBatchSize?: number;
  /** Inference calls at once (default 1: one call already uses every core). */
  readonly maxConcurrency?: number;
  /** Defaults to an in-process LRU; pass createSqliteEmbeddingCache(...) to persist. */
  readonly cache?: EmbeddingCache | ((modelId: string) => EmbeddingCache);
  /** How long a lone request waits for others to share its batch (default 0: the current turn). */
  readonly batchWindowMs?: number;
  /** onnxruntime threads per inference call (default: its own choice, one per core). */
  readonly intraOpNumThreads?: number;
  /** Called after every inference call, e.g. for metrics. */
  readonly onInference?: (event: InferenceEvent) => void;
}

const DEFAULT_MAX_BATCH_SIZE = 32;
const DEFAULT_MAX_CONCURRENCY = 1;
// Chunks share this many tokens with the previous chunk, about a sentence.
const CHUNK_OVERLAP_TOKENS = 32;
const HEALTH_PROBE = 'cortex embedding health check';

export async function createOnnxEmbedder(deps: OnnxEmbedderDeps): Promise<Embedder> {
  const started = performance.now();
  const files = await loadModelFiles(deps.modelDir);
  return createEmbedderFromFiles(files, deps, started);
}

/** For benchmarks comparing other graphs (e.g. fp32): skips the pin check, so not for serving. */
export async function createEmbedderFromFiles(
  files: ModelFiles,
  deps: OnnxEmbedderDeps,
  started = performance.now(),
): Promise<Embedder> {
  const { modelDir, logger } = deps;
  const modelId = files.graph.modelId;

  let wordPiece: WordPiece;
  try {
    wordPiece = createWordPiece(files.tokenizerJson, files.tokenizerConfig, MAX_SEQUENCE_TOKENS);
  } catch (err) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_CORRUPT, modelDir, 'the tokenizer files cannot be used', err);
  }

  let session: InferenceSession;
  try {
    session = await InferenceSession.create(files.onnx, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(deps.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: deps.intraOpNumThreads }),
    });
  } catch (err) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, modelDir, `onnxruntime cannot load ${MODEL_FILE}`, err);
  }
  const outputName = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
  const missingInput = ['input_ids', 'attention_mask'].find((name) => !session.inputNames.includes(name));
  if (outputName === undefined || missingInput !== undefined) {
    await session.release();
    throw new ModelUnavailableError(
      ErrorReason.EMBEDDING_MODEL_UNUSABLE,
      modelDir,
      `${MODEL_FILE} lacks ${missingInput ?? 'an output'}, so it is not a BERT encoder`,
    );
  }
  const takesTokenTypes = session.inputNames.includes('token_type_ids');

  const infer = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const encoded = texts.map((text) => wordPiece.encode(text));
    const lengths = encoded.map((ids) => ids.length);
    // Pad to this batch's longest text only: attention cost grows with the square of the length.
    const sequenceLength = Math.max(...lengths);
    const size = texts.length * sequenceLength;
    const inputIds = new BigInt64Array(size);
    const attentionMask = new BigInt64Array(size);
    encoded.forEach((ids, row) => {
      const base = row * sequenceLength;
      ids.forEach((id, t) => {
        inputIds[base + t] = BigInt(id);
        attentionMask[base + t] = 1n;
      });
    });
    const shape = [texts.length, sequenceLength];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', inputIds, shape),
      attention_mask: new Tensor('int64', attentionMask, shape),
    };
    if (takesTokenTypes) feeds.token_type_ids = new Tensor('int64', new BigInt64Array(size), shape);

    const began = performance.now();
    const outputs = await session.run(feeds);
    const durationMs = performance.now() - began;
    const hidden = outputs[outputName];
    if (hidden === undefined || !(hidden.data instanceof Float32Array) || hidden.dims[2] !== EMBEDDING_DIMENSIONS) {
      throw new Error(`unexpected model output ${outputName}: ${hidden?.type} ${JSON.stringify(hidden?.dims)}`);
    }
    try {
      deps.onInference?.({ batchSize: texts.length, sequenceLength, durationMs });
    } catch (err) {
      logger.warn('embedding onInference hook failed', { error: String(err) });
    }
    return meanPoolNormalized(hidden.data, lengths, sequenceLength, EMBEDDING_DIMENSIONS);
  };

  const batcher = createMicroBatcher<string, Float32Array>({
    run: infer,
    maxBatchSize: deps.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    maxConcurrency: deps.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    windowMs: deps.batchWindowMs ?? 0,
    closedError: embedderClosed,
  });

  // A factory lets the caller key a persistent cache by the model id, known only once the files load.
  const cache = typeof deps.cache === 'function' ? deps.cache(modelId) : deps.cache ?? createLruEmbeddingCache();
  // Texts being embedded right now, so a concurrent request for the same text waits for that result.
  const inflight = new Map<string, Promise<Float32Array>>();

  // A failing cache costs speed, never correctness: log and embed anyway.
  const cacheGet = (key: string): Float32Array | undefined => {
    try {
      const vector = cache.get(key);
      return vector?.length === EMBEDDING_DIMENSIONS ? vector : undefined;
    } catch (err) {
      logger.warn('embedding cache read failed', { error: String(err) });
      return undefined;
    }
  };
  const cachePut = (key: string, vector: Float32Array): void => {
    try {
      cache.put(key, vector);
    } catch (err) {
      logger.warn('embedding cache write failed', { error: String(err) });
    }
  };

  const vectorFor = (text: string): Promise<Float32Array> => {
    const key = embeddingCacheKey(modelId, text);
    const pending = inflight.get(key);
    if (pending !== undefined) return pending;
    const cached = cacheGet(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const promise = batcher
      .submit(text)
      .then((vector) => {
        cachePut(key, vector);
        return vector;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  };

  let closing: Promise<void> | undefined;

  logger.info('embedding model loaded', {
    modelId,
    sha256: files.graph.sha256,
    modelDir,
    loadMs: Math.round(performance.now() - started),
  });

  return {
    modelId,
    dimensions: EMBEDDING_DIMENSIONS,

    async embed(texts) {
      if (closing !== undefined) throw embedderClosed();
      const vectors = await Promise.all(texts.map(vectorFor));
      // Callers get their own copies; the cache keeps the originals.
      return vectors.map((vector) => vector.slice());
    },

    countTokens: (text) => wordPiece.countTokens(text),

    chunk: (text) =>
      chunkText(text, {
        maxTokens: MAX_SEQUENCE_TOKENS - 2,
        overlapTokens: CHUNK_OVERLAP_TOKENS,
        countTokens: (piece) => wordPiece.countContentTokens(piece),
      }),

    async check() {
      if (closing !== undefined) throw embedderClosed();
      let vector: Float32Array;
      try {
        // Past the cache on purpose: health means the model runs now.
        vector = await batcher.submit(HEALTH_PROBE);
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
        await session.release();
        logger.info('embedding model closed', { modelId });
      })();
      return closing;
    },
  };
}
