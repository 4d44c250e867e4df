// Fixtures shared by the embedding tests (not part of the public API).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { MODEL_FILE } from './model-files.js';
import type { EmbedPurpose } from './embedder.js';
import type { LocalModelName } from './models.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where scripts/fetch-model.mjs --all puts each model. */
export function realModelDir(model: LocalModelName = 'all-MiniLM-L6-v2'): string {
  const dir = join(REPO_ROOT, 'models', model);
  if (!existsSync(join(dir, MODEL_FILE))) {
    throw new Error(`no model in ${dir}: run node scripts/fetch-model.mjs --all before these tests`);
  }
  return dir;
}

export function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/** fp32 all-MiniLM-L6-v2 output for the README's sentences (see testdata/reference-fp32.json). */
export function referenceVectors(): Record<string, number[]> {
  return (readTestdata('reference-fp32.json') as { vectors: Record<string, number[]> }).vectors;
}

export interface ReferenceCase {
  readonly purpose: EmbedPurpose;
  readonly text: string;
  readonly vector: number[];
}

/** fp32 output of a prefixed model for a query and a document (testdata/reference-fp32-<model>.json). */
export function prefixedReference(model: LocalModelName): { queryPrefix: string; documentPrefix: string; cases: ReferenceCase[] } {
  return readTestdata(`reference-fp32-${model}.json`) as { queryPrefix: string; documentPrefix: string; cases: ReferenceCase[] };
}

function readTestdata(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)), 'utf8'));
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

export const EMBEDDING_CACHE_DDL =
  'CREATE TABLE embedding_cache (content_hash TEXT PRIMARY KEY, model_id TEXT NOT NULL, ' +
  'vector BLOB NOT NULL, created_at INTEGER NOT NULL)';
