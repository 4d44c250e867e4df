// Startup path: use the saved index when it provably matches the database, bring it up to date by
// replaying the caller's change log when it is only behind, otherwise rebuild it from the rows the
// caller streams out of SQLite. A bad file is an inconvenience, never a crash.
import { readFile } from 'node:fs/promises';
import hnswlib from 'hnswlib-node';
import { errorMessage } from '../errors.js';
import { checkIndexFile, metaPathFor } from './hnsw-files.js';
import type { RebuildReason } from './hnsw-files.js';
import { buildHnswIndex, createHnswIndex } from './hnsw.js';
import type { HnswIndex, HnswIndexDeps } from './hnsw.js';
import type { LabeledVector } from './types.js';

const { HierarchicalNSW } = hnswlib;

/** One logged change to the indexed set, replayed in order. */
export type IndexChange =
  | { readonly op: 'add'; readonly label: number; readonly vector: ArrayLike<number> }
  | { readonly op: 'remove'; readonly label: number };

/**
 * The changes after `from` up to the expected `lastChange`, in the order they were made, or
 * undefined when the caller no longer has all of them (e.g. its log was pruned past `from`).
 * Called before the file is loaded, so answering undefined costs no load; the iterable is
 * consumed once, after a successful load.
 */
export type ChangesSince = (from: number) => Iterable<IndexChange> | undefined;

export interface HnswLoadExpectation {
  /** The last database change the index must reflect. */
  readonly lastChange: number;
  /** Lets a file that is behind be loaded and brought up to date instead of rebuilt. */
  readonly replay?: ChangesSince;
}

export type HnswLoadResult =
  | { readonly index: HnswIndex; readonly loadedFrom: 'disk' }
  | {
      readonly index: HnswIndex;
      readonly loadedFrom: 'replayed';
      /** The change the file reflected; everything after it came from `replay`. */
      readonly from: number;
      /** Changes applied on top of the file. */
      readonly replayed: number;
    }
  | { readonly index: HnswIndex; readonly loadedFrom: 'rebuilt'; readonly reason: RebuildReason; readonly detail: string };

interface LoadFailure {
  readonly reason: RebuildReason;
  readonly detail: string;
}

async function tryLoad(deps: HnswIndexDeps, lastChange: number): Promise<HnswIndex | LoadFailure> {
  const check = await checkIndexFile(deps.path, { dimensions: deps.dimensions, lastChange });
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
    return { reason: 'corrupt', detail: `cannot load index file: ${errorMessage(err)}` };
  }
}

/** The sidecar's lastChange, or undefined when it cannot be read (checkIndexFile then says why). */
async function savedLastChange(path: string): Promise<number | undefined> {
  try {
    const meta = JSON.parse(await readFile(metaPathFor(path), 'utf8')) as { lastChange?: unknown };
    return Number.isSafeInteger(meta.lastChange) ? (meta.lastChange as number) : undefined;
  } catch {
    return undefined;
  }
}

/** Loads the file behind `expected` and applies the changes it misses; a failure means rebuild. */
async function tryReplay(
  deps: HnswIndexDeps,
  expected: HnswLoadExpectation,
  replay: ChangesSince,
): Promise<{ index: HnswIndex; from: number; replayed: number; loadMs: number } | LoadFailure | undefined> {
  const from = await savedLastChange(deps.path);
  if (from === undefined || from >= expected.lastChange) return undefined; // not behind: the plain path decides
  const changes = replay(from);
  if (changes === undefined) {
    return {
      reason: 'stale',
      detail: `index reflects change ${from}, database is at ${expected.lastChange}, and the change log no longer covers the gap`,
    };
  }
  const started = performance.now();
  const index = await tryLoad(deps, from);
  if (!('search' in index)) return index;
  const loadMs = performance.now() - started;
  let replayed = 0;
  try {
    for (const change of changes) {
      if (change.op === 'add') index.add(change.label, change.vector);
      else index.remove(change.label);
      replayed++;
    }
  } catch (err) {
    return { reason: 'stale', detail: `replaying change ${replayed + 1} after ${from} failed: ${errorMessage(err)}` };
  }
  return { index, from, replayed, loadMs };
}

/**
 * Loads the index at `deps.path` if its checksum, dimensions and `lastChange` all match. When the
 * file is valid but behind, and `expected.replay` supplies every change since, loads it and replays
 * them. Otherwise builds a fresh one from `rebuild()` and says why. The caller saves it when it likes.
 */
export async function loadOrCreateHnswIndex(
  deps: HnswIndexDeps,
  expected: HnswLoadExpectation,
  rebuild: () => Iterable<LabeledVector>,
): Promise<HnswLoadResult> {
  const started = performance.now();
  const replayed = expected.replay ? await tryReplay(deps, expected, expected.replay) : undefined;
  if (replayed && 'index' in replayed) {
    const { index, from, loadMs } = replayed;
    deps.logger.info('vector index replayed', {
      path: deps.path,
      from,
      to: expected.lastChange,
      changes: expected.lastChange - from,
      operations: replayed.replayed,
      count: index.size(),
      loadMs: Math.round(loadMs),
      replayMs: Math.round(performance.now() - started - loadMs),
      ms: Math.round(performance.now() - started),
    });
    return { index, loadedFrom: 'replayed', from, replayed: replayed.replayed };
  }

  const loaded = replayed ?? (await tryLoad(deps, expected.lastChange));
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
  const rebuilt = {
    path: deps.path,
    reason: loaded.reason,
    detail: loaded.detail,
    count: index.size(),
    ms: Math.round(performance.now() - started),
  };
  // A missing index is the first start, not a fault.
  if (loaded.reason === 'missing') deps.logger.info('vector index rebuilt', rebuilt);
  else deps.logger.warn('vector index rebuilt', rebuilt);
  return { index, loadedFrom: 'rebuilt', reason: loaded.reason, detail: loaded.detail };
}
