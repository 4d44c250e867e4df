// What bench/peers.ts hands each system and what it gets back.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Corpus {
  readonly docs: readonly string[];
  /** One unit vector per document. */
  readonly vectors: readonly Float32Array[];
  readonly queries: readonly string[];
  readonly queryVectors: readonly Float32Array[];
  /** Document counts: the first `stages[i]` documents are stored when stage i is measured. */
  readonly stages: readonly number[];
}

export interface PeerStage {
  readonly documents: number;
  /** Documents added in this stage, and the time until they were searchable. */
  readonly ingested: number;
  readonly ingestSeconds: number;
  readonly vectorMs: readonly number[];
  /** Undefined where the system has no hybrid search. */
  readonly hybridMs?: readonly number[];
  /** Per query, the document numbers VECTOR returned, best first. */
  readonly vectorIds: readonly number[][];
  readonly diskBytes: number;
}

export interface PeerRun {
  readonly version: string;
  /** How the system was set up (index type, parameters). */
  readonly setup: string;
  /** What "hybrid" means for this system, or why it has none. */
  readonly hybridNote: string;
  readonly stages: readonly PeerStage[];
}

/** Queries timed after this many untimed ones. */
export const WARMUP = 20;
export const TOP_K = 10;

/** Bytes of every file under `dir`. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Times `run` over every query after a warm-up; returns the latencies (ms) and what each returned. */
export async function timeQueries<T>(count: number, run: (q: number) => Promise<T>): Promise<{ ms: number[]; results: T[] }> {
  for (let q = 0; q < Math.min(WARMUP, count); q += 1) await run(q);
  const ms: number[] = [];
  const results: T[] = [];
  for (let q = 0; q < count; q += 1) {
    const t = performance.now();
    results.push(await run(q));
    ms.push(performance.now() - t);
  }
  return { ms, results };
}
