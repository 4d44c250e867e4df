// Filling the server before the load. Every vector is put in the server's embedding cache first
// (as bench/recall.ts does): the conversation turns' and questions' real vectors (computed once
// by the server's model, bench/lib/embedding-file.ts) and clustered synthetic ones for the bulk, so 100k memories
// go through the production Remember path without 100k model runs.
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { MemoryInput, MemoryServiceClient, RememberRequest } from '@cortex/proto/cortex/v1/memory_service';
import { createSqliteEmbeddingCache, embeddingCacheKey, type EmbedPurpose } from '../../../src/embedding/index.js';
import { MODELS } from '../../../src/embedding/models.js';
import { generateClusteredVectors } from '../../../src/index/synthetic-vectors.js';
import { openDatabase } from '../../../src/storage/index.js';
import { call, TEST_MODEL } from '../../../test/harness.js';
import { progress, round } from '../cli.js';
import { testModelId } from '../embedding-file.js';

const DIMENSIONS = 384;

/** Clustered synthetic unit vectors, one per bulk text. */
export const syntheticVectors = (count: number): readonly Float32Array[] =>
  generateClusteredVectors({ count, dimensions: DIMENSIONS, seed: 20240611 }).vectors;

/** Texts and their vectors, embedded as `purpose`. */
export interface Seed {
  readonly purpose: EmbedPurpose;
  readonly texts: readonly string[];
  readonly vectors: readonly Float32Array[];
}

/**
 * Puts each text's vector in the embedding cache of a (stopped) server's data directory, keyed as
 * the server looks it up: by the model and the text with the purpose's prefix.
 */
export async function seedEmbeddingCache(dataDir: string, seeds: readonly Seed[]): Promise<void> {
  const modelId = await testModelId();
  const spec = MODELS[TEST_MODEL];
  const prefixes: Record<EmbedPurpose, string> = { query: spec.queryPrefix, document: spec.documentPrefix };
  const db = openDatabase({ path: join(dataDir, 'cortex.db') });
  try {
    const cache = createSqliteEmbeddingCache(db, modelId, { lruEntries: 1 });
    db.transaction(() => {
      for (const { purpose, texts, vectors } of seeds) {
        texts.forEach((text, i) => cache.put(embeddingCacheKey(modelId, prefixes[purpose] + text), vectors[i]!));
      }
    })();
  } finally {
    db.close();
  }
}

export interface Ingest {
  readonly memories: number;
  readonly seconds: number;
  readonly memoriesPerSec: number;
}

/** Remembers `contents` in batches, `callers` batches in flight at once. */
export async function rememberAll(
  address: string,
  namespace: (i: number) => string,
  contents: readonly string[],
  batch: number,
  callers: number,
): Promise<Ingest> {
  const client = new MemoryServiceClient(address, credentials.createInsecure());
  const started = performance.now();
  let next = 0;
  let reported = 0;
  try {
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < contents.length) {
          const from = next;
          next += batch;
          const memories = contents.slice(from, from + batch).map((content) => MemoryInput.fromPartial({ content, kind: 'note' }));
          await call(client.remember.bind(client), RememberRequest.fromPartial({ namespace: namespace(from), memories }));
          if (next - reported >= 10_000) {
            reported = next;
            progress(`  remembered ${Math.min(next, contents.length)} of ${contents.length}`);
          }
        }
      }),
    );
  } finally {
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { memories: contents.length, seconds: round(seconds, 1), memoriesPerSec: round(contents.length / seconds, 1) };
}
