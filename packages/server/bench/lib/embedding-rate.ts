// Embedding throughput of the real model, without a cache (repeats would skip inference).
// Shared by bench/embedding.ts (several graphs and pool shapes) and the recall bench (the shipped one).
import winston from 'winston';
import type { Embedder, EmbeddingCache, LocalModelName } from '../../src/embedding/index.js';
import { loadModelFiles } from '../../src/embedding/model-files.js';
import { MODELS } from '../../src/embedding/models.js';
import { createEmbedderFromFiles } from '../../src/embedding/onnx-embedder.js';
import { latencySummary, round } from './cli.js';

export interface EmbeddingRate {
  readonly batch1: { readonly textsPerSec: number; readonly p50Ms: number; readonly p99Ms: number; readonly meanMs: number };
  readonly batch32: { readonly textsPerSec: number; readonly msPerBatch: number };
}

/** Benchmarks run without a cache: it would answer repeats without inference. */
export const NO_CACHE: EmbeddingCache = { get: () => undefined, put: () => undefined };

// Short English sentences (15-25 word pieces), distinct for every i: what agents typically store.
const WHO = ['The agent', 'A user', 'The deploy bot', 'Our scheduler', 'The billing service', 'A reviewer', 'Melanie', 'The on-call engineer'];
const DID = ['noticed', 'reported', 'fixed', 'ignored', 'escalated', 'summarised', 'asked about', 'planned'];
const WHAT = ['a failing health check', 'slow database queries', 'an expired certificate', 'a memory leak', 'duplicate invoices', 'the weekend hiking trip', 'a pottery class'];
const WHEN = ['in eu-west', 'on the staging cluster', 'during the nightly batch', 'after the release', 'last Tuesday', 'before the board meeting'];
export function englishSentence(i: number): string {
  const pick = (xs: readonly string[], k: number): string => xs[k % xs.length]!;
  return `${pick(WHO, i)} ${pick(DID, Math.floor(i / 8))} ${pick(WHAT, Math.floor(i / 64))} ${pick(WHEN, Math.floor(i / 448))} (note ${i}).`;
}

/**
 * Throughput of one embedder (which must not cache: repeats would skip inference) on fresh
 * texts: warm-up, then `singles` calls of one text, then `batches` calls of 32.
 */
export async function measureEmbedder(
  embedder: Embedder,
  {
    singles,
    batches,
    texts = englishSentence,
    firstText = 0,
  }: { singles: number; batches: number; texts?: (i: number) => string; firstText?: number },
): Promise<EmbeddingRate> {
  let next = firstText;
  const fresh = (n: number): string[] => Array.from({ length: n }, () => texts(next++));
  for (let i = 0; i < 10; i += 1) await embedder.embed(fresh(1), 'document'); // warm-up
  await embedder.embed(fresh(32), 'document');

  const latencies: number[] = [];
  const t1 = performance.now();
  for (let i = 0; i < singles; i += 1) {
    const batch = fresh(1);
    const t = performance.now();
    await embedder.embed(batch, 'query');
    latencies.push(performance.now() - t);
  }
  const batch1Ms = performance.now() - t1;

  const t32 = performance.now();
  for (let i = 0; i < batches; i += 1) await embedder.embed(fresh(32), 'document');
  const batch32Ms = performance.now() - t32;

  const single = latencySummary(latencies);
  return {
    batch1: { textsPerSec: round((singles * 1000) / batch1Ms, 1), p50Ms: single.p50Ms, p99Ms: single.p99Ms, meanMs: single.meanMs },
    batch32: { textsPerSec: round((batches * 32 * 1000) / batch32Ms, 1), msPerBatch: round(batch32Ms / batches, 1) },
  };
}

/** The shipped model, loaded without a cache. */
export async function measureEmbeddingRate(
  modelDir: string,
  model: LocalModelName,
  options: { singles: number; batches: number; texts?: (i: number) => string },
): Promise<EmbeddingRate> {
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const files = await loadModelFiles(modelDir, MODELS[model]);
  const embedder = await createEmbedderFromFiles(files, { modelDir, model, logger, cache: NO_CACHE });
  try {
    return await measureEmbedder(embedder, options);
  } finally {
    await embedder.close();
  }
}
