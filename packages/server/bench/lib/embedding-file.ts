// Real vectors for a benchmark's texts, computed once by the model the servers under test use
// (TEST_MODEL: CORTEX_EMBEDDING_MODEL or the default) and kept in the gitignored
// .bench-cache/embeddings/ (named by the model, the purpose and the texts), so a benchmark that
// needs 100k real vectors pays for the model once, and two benchmarks can use the very same vectors.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { createOnnxEmbedder, EMBEDDING_DIMENSIONS, type EmbedPurpose } from '../../src/embedding/index.js';
import { loadModelFiles } from '../../src/embedding/model-files.js';
import { MODELS } from '../../src/embedding/models.js';
import { TEST_MODEL, TEST_MODEL_DIR } from '../../test/harness.js';
import { progress } from './cli.js';
import { NO_CACHE } from './embedding-rate.js';

export const BENCH_CACHE = join(import.meta.dirname, '..', '..', '..', '..', '.bench-cache');
const BATCH = 32;

/** The id of the test model's graph: the embedding cache's keys and the vector files are named by it. */
export const testModelId = async (): Promise<string> => (await loadModelFiles(TEST_MODEL_DIR, MODELS[TEST_MODEL])).graph.modelId;

/**
 * One unit vector per text, in order, embedded as `purpose` (a model may prefix queries and
 * documents differently), from the file when it exists, else from the model (then saved).
 */
export async function embeddingsOf(texts: readonly string[], purpose: EmbedPurpose): Promise<Float32Array[]> {
  const modelId = await testModelId();
  const hash = createHash('sha256').update(modelId).update('\n').update(purpose);
  for (const text of texts) hash.update('\n').update(text);
  const dir = join(BENCH_CACHE, 'embeddings');
  const file = join(dir, `${hash.digest('hex').slice(0, 24)}-${texts.length}.f32`);
  if (existsSync(file)) {
    const buffer = readFileSync(file);
    const all = new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4);
    return texts.map((_, i) => all.subarray(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS));
  }
  progress(`embedding ${texts.length} texts with the model (once; kept in ${dir})`);
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const embedder = await createOnnxEmbedder({ modelDir: TEST_MODEL_DIR, model: TEST_MODEL, logger, cache: NO_CACHE });
  const all = new Float32Array(texts.length * EMBEDDING_DIMENSIONS);
  try {
    for (let i = 0; i < texts.length; i += BATCH) {
      const vectors = await embedder.embed(texts.slice(i, i + BATCH), purpose);
      vectors.forEach((vector, j) => all.set(vector, (i + j) * EMBEDDING_DIMENSIONS));
      if (i % (BATCH * 100) === 0 && i > 0) progress(`  embedded ${i} of ${texts.length}`);
    }
  } finally {
    await embedder.close();
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, Buffer.from(all.buffer));
  renameSync(`${file}.tmp`, file);
  return texts.map((_, i) => all.subarray(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS));
}
