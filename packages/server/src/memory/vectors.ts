import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Logger } from 'winston';
import type { Embedder } from '../embedding/index.js';
import { createPeriodicJob, mapInSlices } from '../jobs/index.js';
import {
  dequantizeVector,
  loadOrCreateHnswIndex,
  quantizeVector,
  type HnswIndex,
  type HnswLoadResult,
  type IndexChange,
  type LabelFilter,
  type SearchOptions,
} from '../index/index.js';
import type { Db, Tx } from '../storage/index.js';
import { createChunkOwners } from './chunk-owners.js';
import { createIndexUpdates } from './index-updates.js';
import type { SqlCondition } from './rows.js';
import type { MemoryStore, StoredChunk } from './store/index.js';

export interface MemoryVectorsDeps {
  readonly db: Db;
  /** Which memories' chunks belong in the index (not COLD), and in which namespace. */
  readonly store: MemoryStore;
  readonly embedder: Embedder;
  readonly logger: Logger;
  /** The HNSW file, beside the database. */
  readonly indexPath: string;
  /** How often a changed index is written to disk (it is also written at shutdown). */
  readonly saveIntervalMs: number;
}

export interface VectorHit {
  readonly rowId: number;
  /** The memory's similarity to the query: see memoryScores. */
  readonly score: number;
}

/** Chunk vectors ready to store for one memory. */
export type ChunkVectors = readonly Float32Array[];

/** vector_index_log.op */
const LOG_OP = { remove: 0, add: 1 } as const;

/** memory_chunks.chunk_index of a memory's window vector (its own chunks count from 0). */
const WINDOW_CHUNK = -1;

/** Model ids of the graphs that made every vector stored before vectors recorded their model. */
const LEGACY_MODEL_PREFIX = 'all-MiniLM-L6-v2:';

/** sha256 of a text a vector was made from: lets a writer tell whether a stored vector is current. */
export function sourceHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * (b[i] ?? 0);
  return sum;
}

/**
 * One score per memory from its chunk similarities: the best of its own chunks, averaged with its
 * thread window's when it has one (a turn is judged by what it says and by the exchange around
 * it). LoCoMo dev, VECTOR recall@10: own text alone 0.478, window alone 0.417, the better of the
 * two 0.489, their mean 0.545 (MiniLM; e5-small-v2: 0.655 own alone, 0.711 the mean).
 */
export function memoryScores(
  chunks: Iterable<{ readonly rowId: number; readonly window: boolean; readonly score: number }>,
): Map<number, number> {
  const own = new Map<number, number>();
  const window = new Map<number, number>();
  for (const chunk of chunks) {
    const into = chunk.window ? window : own;
    into.set(chunk.rowId, Math.max(into.get(chunk.rowId) ?? -Infinity, chunk.score));
  }
  const scores = new Map<number, number>();
  for (const [rowId, score] of own) {
    const around = window.get(rowId);
    scores.set(rowId, around === undefined ? score : (score + around) / 2);
  }
  return scores;
}

/** Exact similarities of stored (int8) chunks to a unit query vector. */
export function storedChunkScores(
  query: Float32Array,
  chunks: Iterable<StoredChunk & { readonly chunk_id?: number }>,
  indexScores?: ReadonlyMap<number, number>,
): Map<number, number> {
  const scored: Array<{ rowId: number; window: boolean; score: number }> = [];
  for (const chunk of chunks) {
    // A chunk the index returned keeps the index's score (float vectors there, int8 here).
    const score = (chunk.chunk_id === undefined ? undefined : indexScores?.get(chunk.chunk_id)) ?? int8Cosine(query, chunk.vector);
    scored.push({ rowId: chunk.row_id, window: chunk.window_vector === 1, score });
  }
  return memoryScores(scored);
}

function int8Cosine(query: Float32Array, stored: Buffer): number {
  const vector = dequantizeVector(stored);
  const norm = Math.sqrt(dot(vector, vector));
  return norm > 0 ? dot(query, vector) / norm : 0;
}

/**
 * Owns the vectors of memories: chunking and embedding before a write, storing int8 chunk
 * vectors in the write's transaction, and keeping the in-process HNSW index in step after commit.
 *
 * Every change to the indexed set bumps vector_index_state.change_seq and logs the labels it adds
 * and removes (vector_index_log) in the same transaction. The saved index file records the
 * change_seq it reflects; after a crash, start-up loads that file and replays the log after it,
 * and each successful save prunes the log up to what the file reflects.
 */
export async function createMemoryVectors(deps: MemoryVectorsDeps) {
  const { db, store, embedder, logger } = deps;
  const model = embedder.modelId;
  const changeSeq = db.prepare<[], { change_seq: number }>('SELECT change_seq FROM vector_index_state WHERE id = 1');
  const bumpChangeSeq = db.prepare<[], { change_seq: number }>(
    'UPDATE vector_index_state SET change_seq = change_seq + 1 WHERE id = 1 RETURNING change_seq',
  );
  const appendLog = db.prepare<[number, number, number]>('INSERT INTO vector_index_log (change_seq, chunk_id, op) VALUES (?, ?, ?)');
  const pruneLogThrough = db.prepare<[number]>('DELETE FROM vector_index_log WHERE change_seq <= ?');
  const loggedChangeCount = db.prepare<[number], { changes: number }>(
    'SELECT COUNT(DISTINCT change_seq) AS changes FROM vector_index_log WHERE change_seq > ?',
  );
  // The last logged op of each label after a change: an add reads the chunk as it is now, so
  // earlier ops on the same label cannot change the outcome. A chunk that is gone or COLD now has
  // no vector, and is replayed as a removal whatever was logged.
  interface LoggedChange {
    chunk_id: number;
    op: number;
    row_id: number | null;
    vector: Buffer | null;
    model: string | null;
  }
  const loggedChanges = db.prepare<[number], LoggedChange>(
    `SELECT l.chunk_id, l.op, c.row_id, c.vector, c.model
       FROM vector_index_log l
       JOIN (SELECT MAX(id) AS id FROM vector_index_log WHERE change_seq > ? GROUP BY chunk_id) last ON last.id = l.id
       LEFT JOIN memory_chunks c ON c.chunk_id = l.chunk_id
      ORDER BY l.id`,
  );
  const replayedVector = (row: LoggedChange): Buffer | null =>
    row.op === LOG_OP.add && row.row_id !== null && row.model === model && store.isIndexed(row.row_id) ? row.vector : null;
  const chunksOf = db.prepare<[number], { chunk_id: number }>('SELECT chunk_id FROM memory_chunks WHERE row_id = ?');
  const ownChunksOf = db.prepare<[number], { chunk_id: number }>(`SELECT chunk_id FROM memory_chunks WHERE row_id = ? AND chunk_index != ${WINDOW_CHUNK}`);
  const windowChunkOf = db.prepare<[number], { chunk_id: number; source_hash: string; model: string }>(
    `SELECT chunk_id, source_hash, model FROM memory_chunks WHERE row_id = ? AND chunk_index = ${WINDOW_CHUNK}`,
  );
  const insertChunk = db.prepare<[number, number, Buffer, string, number, string]>(
    'INSERT INTO memory_chunks (row_id, chunk_index, vector, model, window_vector, source_hash) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const deleteChunk = db.prepare<[number]>('DELETE FROM memory_chunks WHERE chunk_id = ?');
  const storedChunks = db.prepare<[number, string], { chunk_id: number; vector: Buffer }>(
    'SELECT chunk_id, vector FROM memory_chunks WHERE row_id = ? AND model = ? ORDER BY chunk_index',
  );
  const chunksAmong = db.prepare<[string, string], StoredChunk & { chunk_id: number }>(
    'SELECT chunk_id, row_id, window_vector, vector FROM memory_chunks WHERE row_id IN (SELECT value FROM json_each(?)) AND model = ?',
  );
  const ownStale = db.prepare<[number, string, number], { stale: number }>(
    `SELECT EXISTS (SELECT 1 FROM memory_chunks WHERE row_id = ? AND chunk_index != ${WINDOW_CHUNK} AND model != ?)
         OR NOT EXISTS (SELECT 1 FROM memory_chunks WHERE row_id = ? AND chunk_index != ${WINDOW_CHUNK}) AS stale`,
  );
  const backlogSize = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM vector_backlog');
  const backlogPage = db.prepare<[number], { row_id: number }>('SELECT row_id FROM vector_backlog ORDER BY row_id LIMIT ?');
  const addToBacklog = db.prepare<[number]>('INSERT OR IGNORE INTO vector_backlog (row_id) VALUES (?)');
  const leaveBacklog = db.prepare<[number]>('DELETE FROM vector_backlog WHERE row_id = ?');
  adoptModel();

  /**
   * Start-up: the index holds vectors of the current model only. Vectors stored before chunks
   * recorded their model were made by MiniLM, the only model then, so a MiniLM server adopts
   * them. When the model changed since the last start, the saved index (of the old model's
   * vectors) is dropped, to be rebuilt from the current model's vectors, and every memory with
   * vectors of another model joins the backlog that tier maintenance re-embeds. Until then those
   * memories are found by keyword only: spaces are never mixed.
   */
  function adoptModel(): void {
    const previous = db.prepare<[], { model: string }>('SELECT model FROM vector_index_state WHERE id = 1').get()?.model ?? '';
    if (previous === model) return;
    db.transaction(() => {
      if (model.startsWith(LEGACY_MODEL_PREFIX)) db.prepare<[string]>("UPDATE memory_chunks SET model = ? WHERE model = ''").run(model);
      db.prepare<[string]>('INSERT OR IGNORE INTO vector_backlog (row_id) SELECT DISTINCT row_id FROM memory_chunks WHERE model != ?').run(model);
      db.prepare<[string]>('UPDATE vector_index_state SET model = ? WHERE id = 1').run(model);
    })();
    if (previous !== '') {
      rmSync(deps.indexPath, { force: true });
      logger.warn('embedding model changed: the vector index is rebuilt from the new model\'s vectors and the rest re-embedded', { from: previous, to: model });
    }
  }

  const owners = createChunkOwners();

  /** Deletes log rows a committed index file reflects; a failure only delays it to the next save. */
  const pruneLog = (through: number): void => {
    try {
      pruneLogThrough.run(through);
    } catch (error) {
      logger.warn('pruning the vector index change log failed; the next save retries', { error: String(error) });
    }
  };

  const startChange = changeSeq.get()?.change_seq ?? 0;
  const load: HnswLoadResult = await loadOrCreateHnswIndex(
    { dimensions: embedder.dimensions, path: deps.indexPath, logger },
    {
      lastChange: startChange,
      replay(from) {
        // Each change_seq logs at least one row, so a pruned (or never written) stretch shows as missing values.
        if (loggedChangeCount.get(from)?.changes !== startChange - from) return undefined;
        return (function* (): Iterable<IndexChange> {
          for (const row of loggedChanges.iterate(from)) {
            const vector = replayedVector(row);
            yield vector === null ? { op: 'remove', label: row.chunk_id } : { op: 'add', label: row.chunk_id, vector: dequantizeVector(vector) };
          }
        })();
      },
    },
    function* rebuild() {
      for (const row of store.indexedChunks(model)) yield { label: row.chunk_id, vector: dequantizeVector(row.vector) };
    },
  );
  const index: HnswIndex = load.index;
  for (const row of store.indexedChunkOwners(model)) owners.set(row.chunk_id, { rowId: row.row_id, namespace: row.namespace });
  if (load.loadedFrom === 'rebuilt') pruneLog((await index.save({ lastChange: startChange })).meta.lastChange);
  else pruneLog(load.loadedFrom === 'replayed' ? load.from : startChange); // rows left by a crash after a save

  // A replayed index is ahead of its file: the first periodic save writes it (and prunes the log).
  let dirty = load.loadedFrom === 'replayed';
  let saving: Promise<unknown> = Promise.resolve();
  const updates = createIndexUpdates({ index, owners, logger, onCommit: () => (dirty = true) });
  const save = () => {
    if (!dirty) return saving;
    dirty = false;
    saving = saving
      .then(async () => {
        // The file records the change_seq it reflects, so every committed change must be in the
        // index first (nothing can commit between this check and the synchronous snapshot).
        await updates.settled();
        // Only after the file is committed: the log must keep every change the file on disk lacks.
        const { meta } = await index.save({ lastChange: changeSeq.get()?.change_seq ?? 0 });
        pruneLog(meta.lastChange);
      })
      .catch((error: unknown) => {
        dirty = true;
        logger.error('saving the vector index failed; it will be retried', { error: String(error) });
      });
    return saving;
  };
  const saver = createPeriodicJob({
    intervalMs: deps.saveIntervalMs,
    run: save,
    onError: (error) => logger.error('saving the vector index failed; it will be retried', { error: String(error) }),
  });

  /** One change to the indexed set, inside the caller's transaction: bumps change_seq and logs it. */
  function recordChange(removed: readonly number[], added: readonly number[]): void {
    if (removed.length === 0 && added.length === 0) return; // nothing changed: no change_seq without log rows
    const seq = (bumpChangeSeq.get() as { change_seq: number }).change_seq;
    for (const label of removed) appendLog.run(seq, label, LOG_OP.remove);
    for (const label of added) appendLog.run(seq, label, LOG_OP.add);
  }

  /**
   * How a search stays inside a namespace: no filter at all when the namespace holds the whole
   * index; otherwise a filter, the exact count it lets through (a small namespace goes to the
   * exact path without sampling) and its labels, so that path scans only them. Hits are
   * re-scored from the stored vectors (search), so the index need not refine its scores.
   */
  function namespaceScope(namespace: string, allowedRowIds: ReadonlySet<number> | undefined): [LabelFilter | undefined, SearchOptions] {
    const labels = owners.labelsIn(namespace);
    if (allowedRowIds === undefined && labels.size === index.size()) return [undefined, { approximateScores: true }];
    const filter = (label: number) => {
      const owner = owners.get(label);
      return owner?.namespace === namespace && (allowedRowIds === undefined || allowedRowIds.has(owner.rowId));
    };
    const allowedCount = allowedRowIds === undefined ? labels.size : Math.min(labels.size, allowedRowIds.size * 2);
    return [filter, { allowedCount, among: () => labels, approximateScores: true }];
  }

  function removeFromIndex(tx: Tx, rowId: number): void {
    const labels = chunksOf.all(rowId).map((c) => c.chunk_id);
    if (labels.length === 0) return;
    recordChange(labels, []);
    updates.remove(tx, labels);
  }

  /** Swaps chunks of a memory inside `tx`: deletes `removed`, inserts `added`, logs both, updates the index after commit. */
  function replace(
    tx: Tx,
    rowId: number,
    namespace: string,
    removed: readonly number[],
    added: ReadonlyArray<{ index: number; vector: Float32Array; hash: string }>,
  ): void {
    for (const chunkId of removed) deleteChunk.run(chunkId);
    const inserted = added.map(({ index: chunkIndex, vector, hash }) => ({
      label: Number(
        insertChunk.run(rowId, chunkIndex, quantizeVector(vector), model, chunkIndex === WINDOW_CHUNK ? 1 : 0, hash).lastInsertRowid,
      ),
      vector,
    }));
    // A COLD memory's vectors are stored but stay out of the index until it is re-warmed.
    const indexed = store.isIndexed(rowId) ? inserted : [];
    // Removals first: a new chunk may reuse a removed chunk's id.
    recordChange(removed, indexed.map((a) => a.label));
    updates.remove(tx, removed);
    updates.add(tx, { rowId, namespace }, indexed);
  }

  return {
    loadedFrom: load.loadedFrom,
    /** The embedding model whose vectors are searched; others wait in the backlog. */
    model,

    /** Embeds each content's chunks (outside any transaction: inference is slow and async). */
    async embedContents(contents: readonly string[]): Promise<ChunkVectors[]> {
      // Chunking tokenizes on this thread (~0.3 ms a memory): a big batch yields between slices.
      const chunked = await mapInSlices(contents, (content) => embedder.chunk(content));
      const vectors = await embedder.embed(chunked.flat(), 'document');
      let next = 0;
      return chunked.map((chunks) => chunks.map(() => vectors[next++]!));
    },

    embedQuery(query: string): Promise<Float32Array> {
      return embedder.embed([query], 'query').then(([vector]) => vector!);
    },

    /** Embeds whole texts (thread windows) as documents, one vector each. */
    embedTexts: (texts: readonly string[]): Promise<Float32Array[]> =>
      texts.length === 0 ? Promise.resolve([]) : embedder.embed(texts, 'document'),

    /** Replaces a memory's own chunk vectors (made by the current model) inside the caller's transaction. */
    storeOwn(tx: Tx, rowId: number, namespace: string, vectors: ChunkVectors, contentHash: string): void {
      const removed = ownChunksOf.all(rowId).map((c) => c.chunk_id);
      replace(tx, rowId, namespace, removed, vectors.map((vector, i) => ({ index: i, vector, hash: contentHash })));
    },

    /** The source hash of a memory's current-model window vector, or undefined when it has none. */
    windowHash(rowId: number): string | undefined {
      const chunk = windowChunkOf.get(rowId);
      return chunk?.model === model ? chunk.source_hash : undefined;
    },

    /** Replaces (or, given null, drops) a memory's window vector inside the caller's transaction. */
    storeWindow(tx: Tx, rowId: number, namespace: string, window: { vector: Float32Array; hash: string } | null): void {
      const removed = windowChunkOf.all(rowId).map((c) => c.chunk_id);
      replace(tx, rowId, namespace, removed, window === null ? [] : [{ index: WINDOW_CHUNK, vector: window.vector, hash: window.hash }]);
    },

    /** Marks memories for the background re-embedding (tier maintenance), inside the caller's transaction. */
    enqueue(rowIds: Iterable<number>): void {
      for (const rowId of rowIds) addToBacklog.run(rowId);
    },
    /** Up to `limit` memories waiting to be re-embedded. */
    backlog: (limit: number): number[] => backlogPage.all(limit).map((r) => r.row_id),
    backlogSize: (): number => backlogSize.get()?.n ?? 0,
    /** Whether a memory's own chunks are missing or of another model. */
    ownStale: (rowId: number): boolean => ownStale.get(rowId, model, rowId)?.stale === 1,
    /** A memory's vectors are current again. */
    settled(rowId: number): void {
      leaveBacklog.run(rowId);
    },

    /**
     * Resolves once every change committed so far is in the index: a writer awaits it before
     * answering, so what it acknowledged is searchable (other calls run between the slices).
     */
    applied: updates.applied,

    /** Takes a memory's vectors out of the index; call before deleting or archiving its row. */
    remove: removeFromIndex,

    /**
     * Puts a memory's stored (int8) chunk vectors back into the index, e.g. when a COLD memory is
     * re-warmed: no re-embedding, the chunks in SQLite are the source of truth.
     */
    restore(tx: Tx, rowId: number, namespace: string): void {
      const chunks = storedChunks.all(rowId, model);
      if (chunks.length === 0) return;
      recordChange([], chunks.map((c) => c.chunk_id));
      updates.add(tx, { rowId, namespace }, chunks.map((chunk) => ({ label: chunk.chunk_id, vector: dequantizeVector(chunk.vector) })));
    },

    /**
     * Nearest memories to `query` in a namespace. `allowedRowIds` narrows further (other filters,
     * computed by SQL). The index finds chunks; their memories are then scored exactly from all
     * their stored vectors (memoryScores).
     */
    search(namespace: string, query: Float32Array, topK: number, allowedRowIds?: ReadonlySet<number>): VectorHit[] {
      // Memories have several chunks (own text, window): twice as many chunks as memories asked
      // for name about that many memories or more, each then re-scored from all its vectors.
      const hits = index.search(query, topK * 2, ...namespaceScope(namespace, allowedRowIds));
      const candidates = new Set<number>();
      const indexScores = new Map<number, number>();
      for (const hit of hits) {
        const rowId = owners.get(hit.label)?.rowId;
        if (rowId !== undefined) candidates.add(rowId);
        indexScores.set(hit.label, hit.score);
      }
      const scores = storedChunkScores(query, chunksAmong.iterate(JSON.stringify([...candidates]), model), indexScores);
      return [...scores]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, topK)
        .map(([rowId, score]) => ({ rowId, score }));
    },

    /** Exact scores of COLD memories' stored vectors (those outside the index) passing `condition`. */
    coldScores: (query: Float32Array, condition: SqlCondition): Map<number, number> =>
      storedChunkScores(query, store.coldChunks(condition, model)),

    size: () => index.size(),
    save,
    /** Starts the periodic saves. */
    start: saver.start,
    /** Stops the periodic saves and writes the index if it changed. */
    async stop(): Promise<void> {
      await saver.stop();
      await save();
    },
  };
}

export type MemoryVectors = Awaited<ReturnType<typeof createMemoryVectors>>;
