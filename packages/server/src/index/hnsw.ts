// Approximate nearest-neighbour index over hnswlib-node (cosine). Domain code: callers own the
// labels (integer row ids) and the source of truth (SQLite); this only answers "which labels are
// closest", and persists itself so a restart does not have to re-embed or re-insert everything.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { HierarchicalNSW as NativeIndex } from 'hnswlib-node';
import { commitIndexFile } from './hnsw-files.js';
import type { HnswFileMeta } from './hnsw-files.js';
import { compareHits, exactSearch } from './exact.js';
import { createLiveVectors } from './live-vectors.js';
import type { IndexLogger, LabelFilter, LabeledVector, SearchHit } from './types.js';

const { HierarchicalNSW } = hnswlib;

export const HNSW_DEFAULTS = {
  m: 16,
  efConstruction: 100,
  efSearch: 64,
  initialCapacity: 1024,
  exactThreshold: 1000,
} as const;

/** Filtered walks get a wider candidate list: allowed nodes are sparser along the way. */
const FILTERED_EF_FACTOR = 1.5;
/** Up to this share of live vectors passing the filter, scanning the int8 copy beats the graph walk. */
const EXACT_MAX_SELECTIVITY = 0.05;
/** Labels probed to estimate a filter's selectivity when the caller gives no count. */
const SELECTIVITY_SAMPLE = 128;
/** The int8 scan keeps this many times k for float rescoring (its own top-10 recall is ~0.999). */
const EXACT_RERANK_FACTOR = 3;

const MAX_LABEL = 0xffffffff; // hnswlib-node converts labels with Uint32Value

export interface HnswIndexDeps {
  readonly dimensions: number;
  /** Index file, kept beside the database; the sidecar meta is `<path>.meta.json`. */
  readonly path: string;
  readonly logger: IndexLogger;
  /** Graph degree (default 16). */
  readonly m?: number;
  /** Build-time candidate list size (default 100). */
  readonly efConstruction?: number;
  /** Query-time candidate list size (default 64, always ≥ k). */
  readonly efSearch?: number;
  /** Slots allocated up front (default 1024); the index doubles when full. */
  readonly initialCapacity?: number;
  /**
   * Filtered searches allowing at most this many labels, or at most 5% of the index, go to exact
   * search (default 1000): the graph walk slows down as the allowed share shrinks, the scan does not.
   */
  readonly exactThreshold?: number;
}

export interface SearchOptions {
  /** Overrides efSearch for this query (still at least k); for callers trading latency for recall. */
  readonly ef?: number;
  /**
   * Caller's estimate of how many live labels pass the filter; a small one selects exact search.
   * Without it the index estimates selectivity by probing a sample of labels. A wrong estimate
   * costs time, never results.
   */
  readonly allowedCount?: number;
  /**
   * Vectors of the allowed labels for the exact path (e.g. read from SQLite by the same predicate);
   * called only if that path is taken. Default: the index's own int8 copy, rescored in float.
   */
  readonly candidates?: () => Iterable<LabeledVector>;
  /**
   * Every label that can pass the filter, when the caller keeps them (a namespace's): the exact
   * path then scans these instead of every live label. Called only if that path is taken.
   */
  readonly among?: () => Iterable<number>;
  /**
   * The caller scores the hits again itself (memory search re-scores memories from their stored
   * vectors): the exact path then returns the int8 scan's ranking and approximate scores instead
   * of reading each candidate's float vector back from hnswlib (~20 µs a vector).
   */
  readonly approximateScores?: boolean;
}

export interface HnswSaveResult {
  readonly path: string;
  readonly meta: HnswFileMeta;
}

export interface HnswIndex {
  readonly dimensions: number;
  /** Adds or replaces the vector for `label`, including a label that was removed before. */
  add(label: number, vector: ArrayLike<number>): void;
  /** Marks `label` deleted so it is never returned; false when it was not present. Idempotent. */
  remove(label: number): boolean;
  has(label: number): boolean;
  /** Up to k hits, highest score first; k hits whenever k live labels pass the filter. */
  search(query: ArrayLike<number>, k: number, filter?: LabelFilter, opts?: SearchOptions): SearchHit[];
  /** Live vectors. */
  size(): number;
  /** Slots currently allocated (grows ×2 automatically). */
  capacity(): number;
  /**
   * Snapshots the index synchronously, then writes file + meta atomically in the background of
   * the returned promise. Saves are committed in call order.
   */
  save(meta: { readonly lastChange: number }): Promise<HnswSaveResult>;
}

/** What a loaded file contributes; used by the loader, not part of the public API. */
export interface RestoredState {
  readonly native: NativeIndex;
  readonly deletedLabels: readonly number[];
  /** Graph parameters the file was built with (they travel with the graph, not the config). */
  readonly m: number;
  readonly efConstruction: number;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function checkLabel(label: number): void {
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    throw new RangeError(`label must be an integer in [0, ${MAX_LABEL}], got ${label}`);
  }
}

function checkVector(vector: ArrayLike<number>, dimensions: number, what: string): number[] {
  if (vector.length !== dimensions) {
    throw new RangeError(`${what} has ${vector.length} dimensions, index has ${dimensions}`);
  }
  const arr = Array.from(vector); // hnswlib-node only accepts plain arrays
  let sum = 0;
  for (const x of arr) {
    if (!Number.isFinite(x)) throw new RangeError(`${what} has a non-finite component`);
    sum += x * x;
  }
  // A zero vector has no direction: cosine is undefined and hnswlib would store NaNs.
  if (sum === 0) throw new RangeError(`${what} is a zero vector`);
  return arr;
}

export function createHnswIndex(deps: HnswIndexDeps): HnswIndex {
  return buildHnswIndex(deps);
}

/** Wraps either a fresh native index or one restored from disk. */
export function buildHnswIndex(deps: HnswIndexDeps, restored?: RestoredState): HnswIndex {
  const dimensions = positiveInt(deps.dimensions, 'dimensions');
  const m = restored?.m ?? positiveInt(deps.m ?? HNSW_DEFAULTS.m, 'm');
  const efConstruction =
    restored?.efConstruction ?? positiveInt(deps.efConstruction ?? HNSW_DEFAULTS.efConstruction, 'efConstruction');
  const efSearch = positiveInt(deps.efSearch ?? HNSW_DEFAULTS.efSearch, 'efSearch');
  const exactThreshold = deps.exactThreshold ?? HNSW_DEFAULTS.exactThreshold;

  let native: NativeIndex;
  const live = createLiveVectors(dimensions);
  // Deleted slots that hnswlib will reuse for new labels (allowReplaceDeleted); kept as a count
  // because hnswlib picks the slot, so we cannot know which deleted label it evicts.
  let deletedSlots: number;
  if (restored) {
    native = restored.native;
    const deleted = new Set(restored.deletedLabels);
    for (const label of native.getIdsList()) if (!deleted.has(label)) live.set(label);
    deletedSlots = native.getCurrentCount() - live.size();
  } else {
    native = new HierarchicalNSW('cosine', dimensions);
    const initialCapacity = positiveInt(deps.initialCapacity ?? HNSW_DEFAULTS.initialCapacity, 'initialCapacity');
    native.initIndex({ maxElements: initialCapacity, m, efConstruction, allowReplaceDeleted: true });
    deletedSlots = 0;
  }

  let saveSeq = 0;
  let saveChain: Promise<unknown> = Promise.resolve();

  const ensureRoom = (): void => {
    const max = native.getMaxElements();
    if (native.getCurrentCount() < max) return;
    const next = Math.max(1, max) * 2;
    native.resizeIndex(next);
    deps.logger.info('vector index resized', { from: max, to: next });
  };

  /** A removed label still owns its slot: bring it back and overwrite its vector in place. */
  const tryRevive = (label: number): boolean => {
    try {
      native.unmarkDelete(label);
    } catch {
      return false; // not in the index (never added, or its slot was reused)
    }
    deletedSlots--;
    return true;
  };

  const add = (label: number, vector: ArrayLike<number>): void => {
    checkLabel(label);
    const arr = checkVector(vector, dimensions, `vector for label ${label}`);
    if (live.has(label) || (deletedSlots > 0 && tryRevive(label))) {
      native.addPoint(arr, label, false); // existing label: hnswlib updates the point in place
    } else if (deletedSlots > 0) {
      const before = native.getCurrentCount();
      native.addPoint(arr, label, true); // reuse a deleted slot instead of growing
      if (native.getCurrentCount() === before) deletedSlots--;
    } else {
      ensureRoom();
      native.addPoint(arr, label, false);
    }
    live.set(label, arr);
  };

  const remove = (label: number): boolean => {
    if (!live.has(label)) return false;
    native.markDelete(label);
    live.delete(label);
    deletedSlots++;
    return true;
  };

  const getPoint = (label: number): number[] => native.getPoint(label);

  const exact = (query: ArrayLike<number>, k: number, filter: LabelFilter | undefined, opts: SearchOptions): SearchHit[] => {
    if (opts.candidates) {
      // Caller-supplied candidates may include rows the index no longer holds; keep the contract.
      const isLive = (c: LabeledVector): boolean => live.has(c.label) && (!filter || filter(c.label));
      return exactSearch(query, filterIterable(opts.candidates(), isLive), k);
    }
    if (opts.approximateScores === true) return live.scan(query, k, filter, getPoint, opts.among?.());
    // Scan the int8 copy, then rescore a few extra with the index's float vectors so scores and
    // order match what the graph path returns.
    const rough = live.scan(query, Math.min(live.size(), k * EXACT_RERANK_FACTOR), filter, getPoint, opts.among?.());
    return exactSearch(query, rough.map(({ label }) => ({ label, vector: getPoint(label) })), k);
  };

  let sampleState = 0x9e3779b9; // per-index xorshift state: cheap, deterministic sampling
  const estimateAllowed = (filter: LabelFilter): number => {
    const labels = live.labels();
    const n = labels.length;
    if (n <= SELECTIVITY_SAMPLE) return labels.filter((label) => filter(label)).length;
    let hits = 0;
    for (let i = 0; i < SELECTIVITY_SAMPLE; i++) {
      sampleState ^= sampleState << 13;
      sampleState ^= sampleState >>> 17;
      sampleState ^= sampleState << 5;
      if (filter(labels[(sampleState >>> 0) % n]!)) hits++;
    }
    return Math.round((hits / SELECTIVITY_SAMPLE) * n);
  };

  const search = (query: ArrayLike<number>, k: number, filter?: LabelFilter, opts: SearchOptions = {}): SearchHit[] => {
    positiveInt(k, 'k');
    const arr = checkVector(query, dimensions, 'query');
    const ef = opts.ef === undefined ? efSearch : positiveInt(opts.ef, 'ef');
    const wanted = Math.min(k, live.size());
    if (wanted === 0) return [];
    if (!filter) {
      native.setEf(Math.max(ef, wanted));
      return finish(native.searchKnn(arr, wanted), wanted) ?? exact(arr, k, undefined, opts);
    }

    const filterErrors: unknown[] = []; // the first throw only: a throw inside the native callback would be lost
    const guarded: LabelFilter = (label) => {
      try {
        return filter(label);
      } catch (err) {
        if (filterErrors.length === 0) filterErrors.push(err);
        return false;
      }
    };
    const allowed = opts.allowedCount ?? estimateAllowed(guarded);
    if (filterErrors.length > 0) throw filterErrors[0];
    if (allowed <= Math.max(exactThreshold, live.size() * EXACT_MAX_SELECTIVITY)) return exact(arr, k, filter, opts);

    native.setEf(Math.ceil(Math.max(ef, wanted) * FILTERED_EF_FACTOR));
    const result = native.searchKnn(arr, wanted, guarded);
    if (filterErrors.length > 0) throw filterErrors[0];
    // Fewer than asked means the graph walk ran out of allowed nodes, not that none exist.
    return finish(result, Math.min(wanted, opts.allowedCount ?? wanted)) ?? exact(arr, k, filter, opts);
  };

  const save = (meta: { readonly lastChange: number }): Promise<HnswSaveResult> => {
    let fileMeta: Parameters<typeof commitIndexFile>[2];
    const tempPath = `${deps.path}.${process.pid}.${++saveSeq}.tmp`;
    try {
      if (!Number.isFinite(meta.lastChange)) throw new RangeError('lastChange must be a finite number');
      // Snapshot synchronously so no add/remove can slip between the file and its meta.
      mkdirSync(dirname(deps.path), { recursive: true });
      native.writeIndexSync(tempPath);
      fileMeta = {
        space: 'cosine',
        dimensions,
        count: live.size(),
        deletedLabels: native.getIdsList().filter((label) => !live.has(label)),
        lastChange: meta.lastChange,
        m,
        efConstruction,
      };
    } catch (err) {
      rmSync(tempPath, { force: true });
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // Commit in call order, so an older snapshot can never overwrite a newer one.
    const commit = saveChain.then(async () => {
      const written = await commitIndexFile(deps.path, tempPath, fileMeta);
      deps.logger.info('vector index saved', {
        path: deps.path,
        count: written.count,
        bytes: written.bytes,
        lastChange: written.lastChange,
      });
      return { path: deps.path, meta: written };
    });
    saveChain = commit.catch(() => undefined);
    return commit;
  };

  return {
    dimensions,
    add,
    remove,
    has: (label) => live.has(label),
    search,
    size: () => live.size(),
    capacity: () => native.getMaxElements(),
    save,
  };
}

/** Hits sorted by score, or undefined when the graph returned fewer than `atLeast`. */
function finish(result: { distances: number[]; neighbors: number[] }, atLeast: number): SearchHit[] | undefined {
  if (result.neighbors.length < atLeast) return undefined;
  return result.neighbors
    .map((label, i) => {
      const distance = result.distances[i]!;
      return { label, distance, score: 1 - distance };
    })
    .sort(compareHits);
}

function* filterIterable<T>(items: Iterable<T>, keep: (item: T) => boolean): Iterable<T> {
  for (const item of items) if (keep(item)) yield item;
}
