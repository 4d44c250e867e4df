// Embedding throughput of the real model, without a cache (repeats would skip inference).
// The same measurement as bench/embedding.ts, reduced to what the recall bench reports.
import winston from 'winston';
import type { EmbeddingCache } from '../../src/embedding/index.js';
import { loadModelFiles } from '../../src/embedding/model-files.js';
import { createEmbedderFromFiles } from '../../src/embedding/onnx-embedder.js';
import { latencySummary, round } from './cli.js';

export interface EmbeddingRate {
  readonly batch1: { readonly textsPerSec: number; readonly p50Ms: number; readonly p99Ms: number };
  readonly batch32: { readonly textsPerSec: number; readonly msPerBatch: number };
}

const noCache: EmbeddingCache = { get: () => undefined, put: () => undefined };

// Short English sentences (15-25 word pieces), distinct for every i: what agents typically store.
const WHO = ['The agent', 'A user', 'The deploy bot', 'Our scheduler', 'The billing service', 'A reviewer', 'Melanie', 'The on-call engineer'];
const DID = ['noticed', 'reported', 'fixed', 'ignored', 'escalated', 'summarised', 'asked about', 'planned'];
const WHAT = ['a failing health check', 'slow database queries', 'an expired certificate', 'a memory leak', 'duplicate invoices', 'the weekend hiking trip', 'a pottery class'];
const WHEN = ['in eu-west', 'on the staging cluster', 'during the nightly batch', 'after the release', 'last Tuesday', 'before the board meeting'];
export function englishSentence(i: number): string {
  const pick = (xs: readonly string[], k: number): string => xs[k % xs.length]!;
  return `${pick(WHO, i)} ${pick(DID, Math.floor(i / 8))} ${pick(WHAT, Math.floor(i / 64))} ${pick(WHEN, Math.floor(i / 448))} (note ${i}).`;
}

export async function measureEmbeddingRate(
  modelDir: string,
  { singles, batches, texts = englishSentence }: { singles: number; batches: number; texts?: (i: number) => string },
): Promise<EmbeddingRate> {
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const embedder = await createEmbedderFromFiles(await loadModelFiles(modelDir), { modelDir, logger, cache: noCache });
  let next = 0;
  const fresh = (n: number): string[] => Array.from({ length: n }, () => texts(next++));
  try {
    for (let i = 0; i < 10; i += 1) await embedder.embed(fresh(1)); // warm-up
    await embedder.embed(fresh(32));

    const latencies: number[] = [];
    const t1 = performance.now();
    for (let i = 0; i < singles; i += 1) {
      const batch = fresh(1);
      const t = performance.now();
      await embedder.embed(batch);
      latencies.push(performance.now() - t);
    }
    const batch1Ms = performance.now() - t1;

    const t32 = performance.now();
    for (let i = 0; i < batches; i += 1) await embedder.embed(fresh(32));
    const batch32Ms = performance.now() - t32;

    const single = latencySummary(latencies);
    return {
      batch1: { textsPerSec: round((singles * 1000) / batch1Ms, 1), p50Ms: single.p50Ms, p99Ms: single.p99Ms },
      batch32: { textsPerSec: round((batches * 32 * 1000) / batch32Ms, 1), msPerBatch: round(batch32Ms / batches, 1) },
    };
  } finally {
    await embedder.close();
  }
}
