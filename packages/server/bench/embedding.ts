// Embedding benchmark: throughput at batch 1 and 32, event-loop lag while many callers embed at
// once, and the latency of a query embedded while documents are being embedded, for each pool
// shape (inline on the event loop, or worker threads x onnxruntime threads per worker); plus the
// shipped int8 graph against fp32 when model_fp32.onnx exists (node scripts/fetch-model.mjs --fp32).
// With --compare=NAME,NAME,... it also measures each model's cost per text, taking turns on the
// same texts (one worker, one thread each) so the load of a shared machine falls on all alike.
// Usage: npx tsx bench/embedding.ts [--model=NAME] [--shapes=inline,1x2,2x1] [--singles=200] [--batches=15] [--compare=...]
// Prints one JSON document on stdout; progress goes to stderr. Only relative figures mean anything
// on a shared machine.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { env as ortEnv } from 'onnxruntime-node';
import winston from 'winston';
import { DEFAULT_EMBEDDING_MODEL } from '../src/config/index.js';
import { isLocalModelName, type Embedder } from '../src/embedding/index.js';
import { loadModelFiles, MODEL_FILE, type ModelFiles } from '../src/embedding/model-files.js';
import { MODELS } from '../src/embedding/models.js';
import { createEmbedderFromFiles, type OnnxEmbedderDeps } from '../src/embedding/onnx-embedder.js';
import { latencySummary, option, progress, round } from './lib/cli.js';
import { englishSentence, measureEmbedder, NO_CACHE, type EmbeddingRate } from './lib/embedding-rate.js';

const FP32_FILE = 'model_fp32.onnx';
const CALLERS = 16;
const TEXTS_PER_CALL = 8;

const model = option('model', process.env.CORTEX_EMBEDDING_MODEL ?? DEFAULT_EMBEDDING_MODEL);
if (!isLocalModelName(model)) throw new Error(`--model ${model} is not a local model`);
const singles = Number(option('singles', '200'));
const batchRounds = Number(option('batches', '15'));
const shapes = option('shapes', 'inline,1x2,2x1').split(',').map(parseShape);
const compared = option('compare', '').split(',').filter((name) => name !== '');
const modelDir = resolve(process.env.CORTEX_MODEL_DIR ?? join(import.meta.dirname, '..', '..', '..', 'models', model));
const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

interface Shape {
  readonly label: string;
  /** 0: on the event loop. */
  readonly workers: number;
  readonly threads: number | undefined;
}

function parseShape(text: string): Shape {
  if (text === 'inline') return { label: text, workers: 0, threads: undefined };
  const match = /^(\d+)x(\d+)$/u.exec(text);
  if (match === null) throw new Error(`--shapes: "${text}" is neither "inline" nor WORKERSxTHREADS`);
  return { label: text, workers: Number(match[1]), threads: Number(match[2]) };
}

let nextText = 0;
const fresh = (n: number): string[] => Array.from({ length: n }, () => englishSentence(nextText++));

/** Event-loop delay while CALLERS callers each embed TEXTS_PER_CALL texts, over and over, until `rounds` calls have finished. */
async function lagUnderLoad(embedder: Embedder, rounds: number) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let remaining = rounds;
  const t = performance.now();
  histogram.enable();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await embedder.embed(fresh(TEXTS_PER_CALL), 'document');
      }
    }),
  );
  histogram.disable();
  const ms = (ns: number): number => round(ns / 1e6, 1);
  return {
    callers: CALLERS,
    textsPerCall: TEXTS_PER_CALL,
    textsPerSec: round((rounds * TEXTS_PER_CALL * 1000) / (performance.now() - t), 1),
    eventLoopLagMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
  };
}

/** Latency of single queries, one after another, while documents are embedded in the background. */
async function queriesDuringIngest(embedder: Embedder, queries: number) {
  let stop = false;
  const ingest = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop) await embedder.embed(fresh(32), 'document');
    }),
  );
  const latencies: number[] = [];
  for (let i = 0; i < queries; i += 1) {
    const t = performance.now();
    await embedder.embed(fresh(1), 'query');
    latencies.push(performance.now() - t);
  }
  stop = true;
  await ingest;
  const { p50Ms, p99Ms } = latencySummary(latencies);
  return { queries, p50Ms, p99Ms };
}

async function open(files: ModelFiles, shape: Shape): Promise<Embedder> {
  const deps: OnnxEmbedderDeps = {
    modelDir,
    model: files.spec.name,
    logger,
    cache: NO_CACHE,
    workers: shape.workers,
    ...(shape.threads === undefined ? {} : { intraOpNumThreads: shape.threads }),
  };
  return createEmbedderFromFiles(files, deps);
}

async function measureShape(files: ModelFiles, shape: Shape) {
  progress(`${shape.label}: ${shape.workers === 0 ? 'on the event loop' : `${shape.workers} workers x ${shape.threads ?? 'default'} threads`}`);
  const embedder = await open(files, shape);
  try {
    const rate: EmbeddingRate = await measureEmbedder(embedder, { singles, batches: batchRounds, firstText: nextText });
    nextText += singles + batchRounds * 32 + 42;
    return {
      shape: shape.label,
      workers: shape.workers,
      threadsPerWorker: shape.threads ?? 'default',
      ...rate,
      concurrent: await lagUnderLoad(embedder, batchRounds * 8),
      queryDuringIngest: await queriesDuringIngest(embedder, Math.max(20, Math.floor(singles / 4))),
    };
  } finally {
    await embedder.close();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot; // both unit length
}

/** The shipped int8 graph against fp32 (same shape): speed and how far apart their vectors are. */
async function compareFp32(int8Files: ModelFiles, shape: Shape) {
  const fp32Path = join(modelDir, FP32_FILE);
  if (!existsSync(fp32Path)) return { skipped: `${fp32Path} not found; build it with: node scripts/fetch-model.mjs --model ${model} --fp32` };
  progress(`fp32 (${shape.label})`);
  const fp32Files: ModelFiles = {
    ...int8Files,
    onnx: readFileSync(fp32Path),
    graph: { ...int8Files.graph, modelId: `${model}:fp32`, description: FP32_FILE, size: statSync(fp32Path).size },
  };
  const [int8, fp32] = [await open(int8Files, shape), await open(fp32Files, shape)];
  try {
    const probe = fresh(200);
    const [a, b] = await Promise.all([int8.embed(probe, 'document'), fp32.embed(probe, 'document')]);
    const cosines = a.map((v, i) => cosine(v, b[i] ?? new Float32Array(v.length))).sort((x, y) => x - y);
    const int8Rate = await measureEmbedder(int8, { singles, batches: batchRounds, firstText: nextText });
    const fp32Rate = await measureEmbedder(fp32, { singles, batches: batchRounds, firstText: nextText });
    nextText += singles + batchRounds * 32 + 42;
    return {
      fp32: fp32Rate,
      int8: int8Rate,
      meanCosineInt8VsFp32: round(cosines.reduce((s, c) => s + c, 0) / cosines.length, 5),
      minCosineInt8VsFp32: round(cosines[0] ?? NaN, 5),
      speedupBatch1: round(fp32Rate.batch1.meanMs / int8Rate.batch1.meanMs),
      speedupBatch32: round(fp32Rate.batch32.msPerBatch / int8Rate.batch32.msPerBatch),
    };
  } finally {
    await Promise.all([int8.close(), fp32.close()]);
  }
}

/** Milliseconds per text of each model at batch 1 and 32, the models taking turns on the same texts. */
async function compareModels(names: readonly string[], rounds: number) {
  const shape: Shape = { label: '1x1', workers: 1, threads: 1 };
  const embedders = new Map<string, Embedder>();
  for (const name of names) {
    if (!isLocalModelName(name)) throw new Error(`--compare: ${name} is not a local model`);
    const dir = join(import.meta.dirname, '..', '..', '..', 'models', name);
    embedders.set(name, await open(await loadModelFiles(dir, MODELS[name]), shape));
  }
  const spent = new Map(names.map((name) => [name, { batch1: 0, batch32: 0 }]));
  try {
    for (let turn = 0; turn < rounds; turn += 1) {
      const single = fresh(1);
      const batch = fresh(32);
      for (const [name, embedder] of embedders) {
        const t = performance.now();
        await embedder.embed(single, 'query');
        const t1 = performance.now();
        await embedder.embed(batch, 'document');
        const total = spent.get(name)!;
        total.batch1 += t1 - t;
        total.batch32 += performance.now() - t1;
      }
    }
  } finally {
    await Promise.all([...embedders.values()].map((e) => e.close()));
  }
  const base = spent.get(names[0]!)!;
  return names.map((name) => {
    const total = spent.get(name)!;
    return {
      model: name,
      msPerTextBatch1: round(total.batch1 / rounds, 2),
      msPerTextBatch32: round(total.batch32 / rounds / 32, 2),
      costVsFirstBatch1: round(total.batch1 / base.batch1),
      costVsFirstBatch32: round(total.batch32 / base.batch32),
    };
  });
}

async function main(): Promise<void> {
  const files = await loadModelFiles(modelDir, MODELS[model as keyof typeof MODELS]);
  progress(`${model}: ${files.graph.description}`);
  const results = [];
  for (const shape of shapes) results.push(await measureShape(files, shape));
  const report = {
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, onnxruntime: ortEnv.versions.node },
    settings: { singles, batchRounds, shapes: shapes.map((s) => s.label), note: 'shared machine: compare rows, not absolute figures' },
    model: {
      name: model,
      modelId: files.graph.modelId,
      file: MODEL_FILE,
      bytes: files.graph.size,
      sha256: files.graph.sha256,
      source: files.graph.description,
    },
    shapes: results,
    int8VsFp32: await compareFp32(files, shapes[shapes.length - 1]!),
    ...(compared.length === 0 ? {} : { modelCost: await compareModels(compared, Math.max(10, batchRounds * 2)) }),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
