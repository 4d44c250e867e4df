import type winston from 'winston';
import type { EmbedPurpose } from './embedder.js';
import { embeddingCacheKey, type EmbeddingCache } from './embedding-cache.js';

export interface CachedVectorsOptions {
  readonly modelId: string;
  readonly dimensions: number;
  readonly cache: EmbeddingCache;
  readonly logger: winston.Logger;
  /** Put before a text of each purpose; the cache keys on the prefixed text. */
  readonly prefixes: Readonly<Record<EmbedPurpose, string>>;
  /** Embeds one text (already prefixed) past the cache; callers batch underneath. */
  readonly compute: (text: string, purpose: EmbedPurpose) => Promise<Float32Array>;
}

/**
 * Vectors by text through a cache, on the main thread: a hit never reaches the model, and a text
 * being embedded right now is waited for instead of embedded twice. Callers get their own copies.
 */
export function createCachedVectors(
  options: CachedVectorsOptions,
): (texts: readonly string[], purpose: EmbedPurpose) => Promise<Float32Array[]> {
  const { modelId, dimensions, cache, logger, prefixes, compute } = options;
  const inflight = new Map<string, Promise<Float32Array>>();

  // A failing cache costs speed, never correctness: log and embed anyway.
  const cacheGet = (key: string): Float32Array | undefined => {
    try {
      const vector = cache.get(key);
      return vector?.length === dimensions ? vector : undefined;
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

  const vectorFor = (text: string, purpose: EmbedPurpose): Promise<Float32Array> => {
    const key = embeddingCacheKey(modelId, text);
    const pending = inflight.get(key);
    if (pending !== undefined) return pending;
    const cached = cacheGet(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const promise = compute(text, purpose)
      .then((vector) => {
        cachePut(key, vector);
        return vector;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  };

  return async (texts, purpose) => {
    const prefix = prefixes[purpose];
    const vectors = await Promise.all(texts.map((text) => vectorFor(prefix + text, purpose)));
    // The cache keeps the originals.
    return vectors.map((vector) => vector.slice());
  };
}
