// Fixtures shared by the index tests (not part of the public API).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactSearch } from './exact.js';
import type { IndexLogger, SearchHit } from './types.js';

export interface LogRecord {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly meta: Record<string, unknown> | undefined;
}

export function createRecordingLogger(): IndexLogger & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    records,
    info: (message, meta) => void records.push({ level: 'info', message, meta }),
    warn: (message, meta) => void records.push({ level: 'warn', message, meta }),
  };
}

export function createTempDir(): { readonly dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-index-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Ground truth: exact top-k labels for each query, label i being vectors[i]. */
export function exactTopK(vectors: readonly Float32Array[], queries: readonly Float32Array[], k: number): number[][] {
  const candidates = vectors.map((vector, label) => ({ label, vector }));
  return queries.map((q) => exactSearch(q, candidates, k).map((h) => h.label));
}

/** Mean fraction of the true top-k found. */
export function recallAtK(truth: readonly number[][], found: ReadonlyArray<readonly SearchHit[]>): number {
  let hits = 0;
  let total = 0;
  truth.forEach((labels, i) => {
    const got = new Set(found[i]!.map((h) => h.label));
    hits += labels.filter((l) => got.has(l)).length;
    total += labels.length;
  });
  return total === 0 ? 1 : hits / total;
}
