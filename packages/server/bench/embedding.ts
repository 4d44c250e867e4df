// Embedding benchmark: throughput at batch 1 and 32, single-sentence latency, micro-batching
// under concurrent load, and the shipped int8 graph against fp32 when model_fp32.onnx exists
// (build it with: node scripts/fetch-model.mjs --fp32).
// Usage: npx tsx bench/embedding.ts [--singles=300] [--batches=20] [--threads=N]
// Prints one JSON document on stdout; progress goes to stderr.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env as ortEnv } from 'onnxruntime-node';
import winston from 'winston';
import type { Embedder } from '../src/embedding/index.js';
import { loadModelFiles, MODEL_FILE, type ModelFiles } from '../src/embedding/model-files.js';
import { createEmbedderFromFiles, type OnnxEmbedderDeps } from '../src/embedding/onnx-embedder.js';
import { option, progress, round } from './lib/cli.js';
import { englishSentence, measureEmbedder, NO_CACHE, type EmbeddingRate } from './lib/embedding-rate.js';

const FP32_FILE = 'model_fp32.onnx';

const singles = Number(option('singles', '300'));
const batchRounds = Number(option('batches', '20'));
const threadsArg = option('threads', '');
const intraOpNumThreads = threadsArg === '' ? undefined : Number(threadsArg);

const modelDir = process.env.CORTEX_MODEL_DIR
  ? resolve(process.env.CORTEX_MODEL_DIR)
  : fileURLToPath(new URL('../../../models/all-MiniLM-L6-v2', import.meta.url));
const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

interface Measured extends EmbeddingRate {
  readonly concurrent64Singles: { readonly textsPerSec: number; readonly inferenceCalls: number };
}

/** Throughput of one graph, plus how 64 concurrent single-text calls get micro-batched. */
async function measure(files: ModelFiles): Promise<{ result: Measured; embedder: Embedder }> {
  let calls = 0;
  const deps: OnnxEmbedderDeps = {
    modelDir,
    logger,
    cache: NO_CACHE,
    onInference: () => void (calls += 1),
    ...(intraOpNumThreads === undefined ? {} : { intraOpNumThreads }),
  };
  const embedder = await createEmbedderFromFiles(files, deps);
  const rate = await measureEmbedder(embedder, { singles, batches: batchRounds });

  calls = 0;
  const concurrent = Array.from({ length: 64 }, (_, i) => englishSentence(500_000 + i));
  const tc = performance.now();
  await Promise.all(concurrent.map((text) => embedder.embed([text])));
  const concurrentMs = performance.now() - tc;

  return {
    embedder,
    result: { ...rate, concurrent64Singles: { textsPerSec: round((64 * 1000) / concurrentMs, 1), inferenceCalls: calls } },
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot; // both unit length
}

async function main(): Promise<void> {
  const int8Files = await loadModelFiles(modelDir);
  progress(`int8: ${int8Files.graph.description}`);
  const int8 = await measure(int8Files);

  const fp32Path = join(modelDir, FP32_FILE);
  let fp32: Measured | { skipped: string } = {
    skipped: `${fp32Path} not found; build it with: node scripts/fetch-model.mjs --fp32`,
  };
  let comparison: Record<string, number> | undefined;
  if (existsSync(fp32Path)) {
    progress('fp32: model_fp32.onnx');
    const fp32Files: ModelFiles = {
      ...int8Files,
      onnx: readFileSync(fp32Path),
      graph: { ...int8Files.graph, modelId: 'all-MiniLM-L6-v2:fp32', description: FP32_FILE, size: statSync(fp32Path).size },
    };
    const measured = await measure(fp32Files);
    fp32 = measured.result;
    const probe = Array.from({ length: 200 }, (_, i) => englishSentence(1_000_000 + i * 7));
    const [a, b] = await Promise.all([int8.embedder.embed(probe), measured.embedder.embed(probe)]);
    const cosines = a.map((v, i) => cosine(v, b[i] ?? new Float32Array(v.length))).sort((x, y) => x - y);
    comparison = {
      meanCosineInt8VsFp32: round(cosines.reduce((s, c) => s + c, 0) / cosines.length, 5),
      minCosineInt8VsFp32: round(cosines[0] ?? NaN, 5),
      speedupBatch1: round(measured.result.batch1.meanMs / int8.result.batch1.meanMs),
      speedupBatch32: round(measured.result.batch32.msPerBatch / int8.result.batch32.msPerBatch),
    };
    await measured.embedder.close();
  }
  await int8.embedder.close();

  const report = {
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, onnxruntime: ortEnv.versions.node },
    settings: { singles, batchRounds, intraOpNumThreads: intraOpNumThreads ?? 'default', maxConcurrency: 1 },
    model: {
      modelId: int8Files.graph.modelId,
      file: MODEL_FILE,
      bytes: int8Files.graph.size,
      sha256: int8Files.graph.sha256,
      source: int8Files.graph.description,
    },
    int8: int8.result,
    fp32,
    ...(comparison === undefined ? {} : { int8VsFp32: comparison }),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
