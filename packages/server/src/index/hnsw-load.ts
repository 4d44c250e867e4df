// Startup path: use the saved index when it provably matches the database, otherwise rebuild it
// from the rows the caller streams out of SQLite. A bad file is an inconvenience, never a crash.
import hnswlib from 'hnswlib-node';
import { checkIndexFile } from './hnsw-files.js';
import type { RebuildReason } from './hnsw-files.js';
import { buildHnswIndex, createHnswIndex } from './hnsw.js';
import type { HnswIndex, HnswIndexDeps } from './hnsw.js';
import type { LabeledVector } from './types.js';

const { HierarchicalNSW } = hnswlib;

export type HnswLoadResult =
  | { readonly index: HnswIndex; readonly loadedFrom: 'disk' }
  | { readonly index: HnswIndex; readonly loadedFrom: 'rebuilt'; readonly reason: RebuildReason; readonly detail: string };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function tryLoad(
  deps: HnswIndexDeps,
  expected: { readonly lastChange: number },
): Promise<HnswIndex | { readonly reason: RebuildReason; readonly detail: string }> {
  const check = await checkIndexFile(deps.path, { dimensions: deps.dimensions, lastChange: expected.lastChange });
  if (!check.ok) return check;
  const { meta } = check;
  try {
    const native = new HierarchicalNSW('cosine', deps.dimensions);
    native.readIndexSync(deps.path, true);
    const slots = meta.count + meta.deletedLabels.length;
    if (native.getCurrentCount() !== slots) {
      throw new Error(`index file holds ${native.getCurrentCount()} slots, meta says ${slots}`);
    }
    const index = buildHnswIndex(deps, {
      native,
      deletedLabels: meta.deletedLabels,
      m: meta.m,
      efConstruction: meta.efConstruction,
    });
    if (index.size() !== meta.count) throw new Error(`index file holds ${index.size()} live vectors, meta says ${meta.count}`);
    return index;
  } catch (err) {
    return { reason: 'corrupt', detail: `cannot load index file: ${describe(err)}` };
  }
}

/**
 * Loads the index at `deps.path` if its checksum, dimensions and `lastChange` all match;
 * otherwise builds a fresh one from `rebuild()` and says why. The caller saves it when it likes.
 */
export async function loadOrCreateHnswIndex(
  deps: HnswIndexDeps,
  expected: { readonly lastChange: number },
  rebuild: () => Iterable<LabeledVector>,
): Promise<HnswLoadResult> {
  const started = performance.now();
  const loaded = await tryLoad(deps, expected);
  if ('search' in loaded) {
    deps.logger.info('vector index loaded from disk', {
      path: deps.path,
      count: loaded.size(),
      ms: Math.round(performance.now() - started),
    });
    return { index: loaded, loadedFrom: 'disk' };
  }

  const index = createHnswIndex(deps);
  for (const { label, vector } of rebuild()) index.add(label, vector);
  const log = loaded.reason === 'missing' ? deps.logger.info : deps.logger.warn;
  log.call(deps.logger, 'vector index rebuilt', {
    path: deps.path,
    reason: loaded.reason,
    detail: loaded.detail,
    count: index.size(),
    ms: Math.round(performance.now() - started),
  });
  return { index, loadedFrom: 'rebuilt', reason: loaded.reason, detail: loaded.detail };
}
