import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';

/** Vectors by content hash. Callers must not mutate what get() returns. */
export interface EmbeddingCache {
  get(hash: string): Float32Array | undefined;
  put(hash: string, vector: Float32Array): void;
}

/** sha256 of the model id and the text: a vector is only valid in the space it was made in. */
export function embeddingCacheKey(modelId: string, text: string): string {
  return createHash('sha256').update(modelId).update('\n').update(text).digest('hex');
}

export const DEFAULT_LRU_ENTRIES = 4096;

/** In-process LRU, optionally in front of a slower cache that it fills on a miss. */
export function createLruEmbeddingCache(maxEntries = DEFAULT_LRU_ENTRIES, backing?: EmbeddingCache): EmbeddingCache {
  if (maxEntries < 1) throw new RangeError('maxEntries must be at least 1');
  // Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
  const entries = new Map<string, Float32Array>();
  const remember = (hash: string, vector: Float32Array): void => {
    entries.delete(hash);
    entries.set(hash, vector);
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
  };
  return {
    get(hash) {
      const hit = entries.get(hash);
      if (hit !== undefined) {
        remember(hash, hit);
        return hit;
      }
      const stored = backing?.get(hash);
      if (stored !== undefined) remember(hash, stored);
      return stored;
    },
    put(hash, vector) {
      remember(hash, vector);
      backing?.put(hash, vector);
    },
  };
}

interface CacheRow {
  vector: Buffer;
}

/**
 * Vectors persisted in the `embedding_cache` table (created by storage migrations), with an
 * LRU in front so hot texts skip SQLite too. Vectors are stored as little-endian float32.
 */
export function createSqliteEmbeddingCache(
  db: BetterSqlite3.Database,
  modelId: string,
  options: { readonly lruEntries?: number } = {},
): EmbeddingCache {
  const select = db.prepare<[string, string], CacheRow>(
    'SELECT vector FROM embedding_cache WHERE content_hash = ? AND model_id = ?',
  );
  // The key already covers the model, so a conflict means the same vector: keep the first.
  const insert = db.prepare<[string, string, Buffer, number]>(
    'INSERT INTO embedding_cache (content_hash, model_id, vector, created_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT(content_hash) DO NOTHING',
  );
  const sqlite: EmbeddingCache = {
    get(hash) {
      const row = select.get(hash, modelId);
      if (row === undefined || row.vector.byteLength % Float32Array.BYTES_PER_ELEMENT !== 0) return undefined;
      // Copy: the Buffer may sit at an offset that Float32Array cannot view.
      const vector = new Float32Array(row.vector.byteLength / Float32Array.BYTES_PER_ELEMENT);
      new Uint8Array(vector.buffer).set(row.vector);
      return vector;
    },
    put(hash, vector) {
      insert.run(hash, modelId, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), Date.now());
    },
  };
  return createLruEmbeddingCache(options.lruEntries ?? DEFAULT_LRU_ENTRIES, sqlite);
}
