// Real MiniLM vectors for a benchmark's texts, computed once by the shipped model and kept in the
// gitignored .bench-cache/embeddings/ (named by the model and the texts), so a benchmark that needs
// 100k real vectors pays for the model once, and two benchmarks can use the very same vectors.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { createOnnxEmbedder, EMBEDDING_DIMENSIONS } from '../../src/embedding/index.js';
import { loadModelFiles } from '../../src/embedding/model-files.js';
import { TEST_MODEL_DIR } from '../../test/harness.js';
import { progress } from './cli.js';
import { NO_CACHE } from './embedding-rate.js';

export const BENCH_CACHE = join(import.meta.dirname, '..', '..', '..', '..', '.bench-cache');
const BATCH = 32;

/** One unit vector per text, in order, from the file when it exists, else from the model (then saved). */
export async function embeddingsOf(texts: readonly string[]): Promise<Float32Array[]> {
  const modelId = (await loadModelFiles(TEST_MODEL_DIR)).graph.modelId;
  const hash = createHash('sha256').update(modelId);
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
  const embedder = await createOnnxEmbedder({ modelDir: TEST_MODEL_DIR, logger, cache: NO_CACHE });
  const all = new Float32Array(texts.length * EMBEDDING_DIMENSIONS);
  try {
    for (let i = 0; i < texts.length; i += BATCH) {
      const vectors = await embedder.embed(texts.slice(i, i + BATCH));
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
