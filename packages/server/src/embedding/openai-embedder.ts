// An embedder backed by an OpenAI-compatible /v1/embeddings endpoint. Every request runs inside
// cockatiel: a retry (transient failures only) around a circuit breaker around an aggressive
// timeout. Whatever fails, callers get one UNAVAILABLE CortexError with a reason, and since the
// whole embed() fails together, Remember (which embeds before its transaction) writes nothing.
import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  isTaskCancelledError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type winston from 'winston';
import type { RemoteEmbedderConfig } from '../config/index.js';
import { CortexError, ErrorReason } from '../errors.js';
import { chunkText } from './chunking.js';
import { MAX_SEQUENCE_TOKENS, type Embedder } from './embedder.js';
import { createLruEmbeddingCache, type EmbeddingCache } from './embedding-cache.js';
import { embedderClosed } from './errors.js';
import { createMicroBatcher } from './micro-batcher.js';
import { l2Normalize } from './pooling.js';
import { createCachedVectors } from './vector-cache.js';

export interface OpenAiEmbedderOptions extends RemoteEmbedderConfig {
  readonly logger: winston.Logger;
  readonly cache?: EmbeddingCache | ((modelId: string) => EmbeddingCache);
  /** Inputs per request (default 64). */
  readonly maxBatchSize?: number;
  /** Requests at once (default 4). */
  readonly maxConcurrency?: number;
  /** Tries per request, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Delay before the first retry; later ones double (default 200 ms). */
  readonly retryDelayMs?: number;
  /** Consecutive failed tries that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before one trial request (default 30 s). */
  readonly halfOpenAfterMs?: number;
  readonly fetch?: typeof fetch;
}

type RemoteFailure = 'TIMEOUT' | 'CIRCUIT_OPEN' | 'HTTP_ERROR' | 'BAD_RESPONSE' | 'NETWORK_ERROR' | 'DIMENSION_MISMATCH';

/** Why the remote embedder could not embed; reason EMBEDDER_<failure>, always UNAVAILABLE. */
export class RemoteEmbedderError extends CortexError {
  constructor(
    readonly failure: RemoteFailure,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('UNAVAILABLE', `remote embedder unavailable: ${message}`, {
      reason: ErrorReason[`EMBEDDER_${failure}`],
      ...(options.status === undefined ? {} : { metadata: { status: String(options.status) } }),
      ...(options.retryAfterMs === undefined ? {} : { trailers: { 'retry-after': String(Math.ceil(options.retryAfterMs / 1000)) } }),
      cause: options.cause,
    });
    this.name = 'RemoteEmbedderError';
  }

  /** Worth another try: the service may answer next time. */
  get transient(): boolean {
    return this.failure === 'TIMEOUT' || this.failure === 'NETWORK_ERROR' || (this.failure === 'HTTP_ERROR' && this.retryableStatus);
  }

  private get retryableStatus(): boolean {
    const status = Number(this.metadata.status);
    return status >= 500 || status === 408 || status === 429;
  }
}

export function embeddingsUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/u, '');
  return base.endsWith('/v1') ? `${base}/embeddings` : `${base}/v1/embeddings`;
}

const HEALTH_PROBE = 'cortex embedding health check';
const CHUNK_OVERLAP_TOKENS = 32;
/** The remote tokenizer is unknown: about four characters per token for English. */
const approximateTokens = (text: string): number => Math.ceil(text.length / 4);

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const { logger, dimensions } = options;
  const doFetch = options.fetch ?? fetch;
  const url = embeddingsUrl(options.url);
  const modelId = `openai:${options.model}:${dimensions}`;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;

  const isTransient = (error: unknown): boolean => isTaskCancelledError(error) || (error instanceof RemoteEmbedderError && error.transient);
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.failureThreshold ?? 5),
  });
  const policy = wrap(
    retry(handleWhen(isTransient), {
      maxAttempts: (options.maxAttempts ?? 3) - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.retryDelayMs ?? 200, maxDelay: 5_000 }),
    }),
    breaker,
    timeout(options.timeoutMs, TimeoutStrategy.Aggressive),
  );
  breaker.onStateChange((state) => logger.warn('remote embedder circuit changed', { state: CircuitState[state], url }));
  let verified = false;

  const request = async (texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        signal,
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey === '' ? {} : { authorization: `Bearer ${options.apiKey}` }),
        },
        body: JSON.stringify({ model: options.model, input: texts, encoding_format: 'float' }),
      });
    } catch (error) {
      if (signal.aborted) throw error; // the timeout's cancellation, classified below
      throw new RemoteEmbedderError('NETWORK_ERROR', `${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RemoteEmbedderError('HTTP_ERROR', `${url} answered HTTP ${response.status}`, { status: response.status });
    }
    return parseVectors(await response.json().catch(() => undefined), texts.length);
  };

  const parseVectors = (body: unknown, expected: number): Float32Array[] => {
    const data = (body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new RemoteEmbedderError('BAD_RESPONSE', `expected ${expected} embeddings in "data", got ${Array.isArray(data) ? data.length : 'none'}`);
    }
    const vectors: Array<Float32Array | undefined> = new Array<undefined>(expected).fill(undefined);
    for (const [position, item] of (data as Array<{ index?: unknown; embedding?: unknown }>).entries()) {
      const index = typeof item.index === 'number' ? item.index : position;
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || !embedding.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new RemoteEmbedderError('BAD_RESPONSE', `embedding ${position} is not a list of numbers`);
      }
      if (!Number.isInteger(index) || index < 0 || index >= expected || vectors[index] !== undefined) {
        throw new RemoteEmbedderError('BAD_RESPONSE', `embedding ${position} has index ${index}, which names no input or one named before`);
      }
      if (embedding.length !== dimensions) {
        throw new RemoteEmbedderError(
          'DIMENSION_MISMATCH',
          `${options.model} returned ${embedding.length}-dimensional vectors, CORTEX_EMBEDDER_DIMENSIONS is ${dimensions}`,
        );
      }
      vectors[index] = l2Normalize(Float32Array.from(embedding as number[]));
    }
    verified = true;
    return vectors as Float32Array[];
  };

  const circuitOpen = (): RemoteEmbedderError =>
    new RemoteEmbedderError('CIRCUIT_OPEN', `too many failures in a row; trying ${url} again within ${halfOpenAfterMs} ms`, {
      retryAfterMs: halfOpenAfterMs,
    });
  const explain = (error: unknown): CortexError => {
    if (error instanceof CortexError) return error;
    if (isBrokenCircuitError(error)) return circuitOpen();
    if (isTaskCancelledError(error)) return new RemoteEmbedderError('TIMEOUT', `${url} did not answer within ${options.timeoutMs} ms`);
    return new RemoteEmbedderError('NETWORK_ERROR', String(error), { cause: error });
  };

  const embedBatch = async (texts: readonly string[]): Promise<Float32Array[]> => {
    try {
      return await policy.execute(({ signal }) => request(texts, signal));
    } catch (error) {
      throw explain(error);
    }
  };

  const batcher = createMicroBatcher<{ text: string; urgent: boolean }, Float32Array>({
    run: (items) => embedBatch(items.map((item) => item.text)),
    maxBatchSize: options.maxBatchSize ?? 64,
    maxConcurrency: options.maxConcurrency ?? 4,
    windowMs: 0,
    closedError: embedderClosed,
    isUrgent: (item) => item.urgent,
  });
  const cache = typeof options.cache === 'function' ? options.cache(modelId) : (options.cache ?? createLruEmbeddingCache());
  const embedCached = createCachedVectors({
    modelId,
    dimensions,
    cache,
    logger,
    prefixes: { query: options.queryPrefix, document: options.documentPrefix },
    compute: (text, purpose) => batcher.submit({ text, urgent: purpose === 'query' }),
  });
  let closing: Promise<void> | undefined;

  return {
    modelId,
    dimensions,
    embed(texts, purpose) {
      if (closing !== undefined) return Promise.reject(embedderClosed());
      return embedCached(texts, purpose);
    },
    countTokens: (text) => 2 + approximateTokens(text),
    chunk: (text) =>
      chunkText(text, {
        maxTokens: MAX_SEQUENCE_TOKENS - 2 - approximateTokens(options.documentPrefix),
        overlapTokens: CHUNK_OVERLAP_TOKENS,
        countTokens: approximateTokens,
      }),
    async check() {
      if (closing !== undefined) throw embedderClosed();
      if (breaker.state === CircuitState.Open) throw circuitOpen();
      // One real request until the service has answered well once (it also checks the dimension);
      // after that the breaker's state says enough, without a paid request per health check.
      if (!verified) await batcher.submit({ text: HEALTH_PROBE, urgent: true });
    },
    close() {
      closing ??= batcher.close();
      return closing;
    },
  };
}
