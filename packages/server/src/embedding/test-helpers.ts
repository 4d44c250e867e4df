// Fixtures shared by the embedding tests (not part of the public API).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { MODEL_FILE } from './model-files.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The real model, where scripts/fetch-model.mjs puts it (CORTEX_MODEL_DIR or the default). */
export function realModelDir(): string {
  const configured = process.env.CORTEX_MODEL_DIR;
  const dir = configured ? resolve(configured) : join(REPO_ROOT, 'models', 'all-MiniLM-L6-v2');
  if (!existsSync(join(dir, MODEL_FILE))) {
    throw new Error(`no model in ${dir}: run node scripts/fetch-model.mjs before these tests`);
  }
  return dir;
}

export function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}

/** fp32 all-MiniLM-L6-v2 output for the README's sentences (see testdata/reference-fp32.json). */
export function referenceVectors(): Record<string, number[]> {
  const path = fileURLToPath(new URL('./testdata/reference-fp32.json', import.meta.url));
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { vectors: Record<string, number[]> };
  return parsed.vectors;
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
