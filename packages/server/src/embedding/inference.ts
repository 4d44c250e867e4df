import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ErrorReason } from '../errors.js';
import { ModelUnavailableError } from './errors.js';
import { MODEL_FILE } from './model-files.js';
import type { Pooling } from './models.js';
import { poolNormalized } from './pooling.js';
import { createWordPiece, type WordPiece } from './word-piece.js';

/** What an inference session needs; plain data, so it can be sent to a worker thread. */
export interface InferenceSetup {
  /** Only for error messages. */
  readonly modelDir: string;
  readonly onnx: Uint8Array;
  readonly tokenizerJson: object;
  readonly tokenizerConfig: object;
  readonly pooling: Pooling;
  readonly dimensions: number;
  /** Texts are cut to this many tokens, special tokens included. */
  readonly maxTokens: number;
  /** onnxruntime threads per inference call (default: its own choice, one per core). */
  readonly intraOpNumThreads?: number;
}

export interface BatchResult {
  /** One unit vector per text, one after another (texts × dimensions). */
  readonly vectors: Float32Array;
  /** Padded length of the batch, special tokens included. */
  readonly sequenceLength: number;
  readonly durationMs: number;
}

/** One ONNX session with its tokenizer: texts in, unit vectors out. Not safe for concurrent run() calls. */
export interface InferenceCore {
  run(texts: readonly string[]): Promise<BatchResult>;
  release(): Promise<void>;
}

export async function createInferenceCore(setup: InferenceSetup): Promise<InferenceCore> {
  const { modelDir, dimensions, pooling } = setup;
  let wordPiece: WordPiece;
  try {
    wordPiece = createWordPiece(setup.tokenizerJson, setup.tokenizerConfig, setup.maxTokens);
  } catch (err) {
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_CORRUPT, modelDir, 'the tokenizer files cannot be used', err);
  }

  let session: InferenceSession;
  try {
    // onnxruntime takes only an ArrayBuffer-backed array; the shared copy stays with the pool.
    const onnx = setup.onnx.buffer instanceof SharedArrayBuffer ? setup.onnx.slice() : setup.onnx;
    session = await InferenceSession.create(onnx, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      ...(setup.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: setup.intraOpNumThreads }),
    });
  } catch (err) {
    const why = err instanceof Error ? `: ${err.message}` : '';
    throw new ModelUnavailableError(ErrorReason.EMBEDDING_MODEL_UNUSABLE, modelDir, `onnxruntime cannot load ${MODEL_FILE}${why}`, err);
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

  return {
    async run(texts) {
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
      if (hidden === undefined || !(hidden.data instanceof Float32Array) || hidden.dims[2] !== dimensions) {
        throw new Error(`unexpected model output ${outputName}: ${hidden?.type} ${JSON.stringify(hidden?.dims)}`);
      }
      return { vectors: poolNormalized(pooling, hidden.data, lengths, sequenceLength, dimensions), sequenceLength, durationMs };
    },
    release: () => session.release(),
  };
}
