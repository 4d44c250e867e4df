import type { Logger } from 'winston';
import type { HnswIndex } from '../index/index.js';
import { createSlicedQueue } from '../jobs/index.js';
import type { Tx } from '../storage/index.js';
import type { ChunkOwner, ChunkOwners } from './chunk-owners.js';

type IndexOp = { readonly label: number } & (
  | { readonly vector: ArrayLike<number>; readonly owner: ChunkOwner }
  | { readonly owner?: undefined }
);

export interface IndexUpdatesDeps {
  readonly index: HnswIndex;
  /** chunk label → owner, kept in step with the index. */
  readonly owners: ChunkOwners;
  readonly logger: Logger;
  /** Called when a transaction with index changes commits (the index file is behind from then on). */
  readonly onCommit: () => void;
}

/**
 * Applies committed changes to the HNSW index and its owner map, in order, in slices that yield
 * (an HNSW insert costs ~0.5 ms at 100k, so a batch of 500 applied at once would hold every other
 * call for a quarter of a second). A transaction's changes are queued together when it commits;
 * a small one is applied before the commit returns.
 */
export function createIndexUpdates({ index, owners, logger, onCommit }: IndexUpdatesDeps) {
  const queue = createSlicedQueue<IndexOp>({
    apply(op) {
      if (op.owner === undefined) {
        index.remove(op.label);
        owners.delete(op.label);
      } else {
        index.add(op.label, op.vector);
        owners.set(op.label, op.owner);
      }
    },
    onError: (error, op) => logger.error('applying a change to the vector index failed', { label: op.label, error: String(error) }),
  });
  const opsOfTx = new WeakMap<Tx, IndexOp[]>();
  /** The changes `tx` makes so far, queued in call order once (and only if) it commits. */
  const opsOf = (tx: Tx): IndexOp[] => {
    let ops = opsOfTx.get(tx);
    if (ops === undefined) {
      const all: IndexOp[] = [];
      opsOfTx.set(tx, all);
      tx.afterCommit(() => {
        onCommit();
        queue.push(all);
      });
      ops = all;
    }
    return ops;
  };

  return {
    /** Takes chunks out of the index once `tx` commits. */
    remove(tx: Tx, labels: readonly number[]): void {
      if (labels.length === 0) return;
      const ops = opsOf(tx);
      for (const label of labels) ops.push({ label });
    },

    /** Puts a memory's chunks into the index once `tx` commits. */
    add(tx: Tx, owner: ChunkOwner, chunks: ReadonlyArray<{ readonly label: number; readonly vector: ArrayLike<number> }>): void {
      if (chunks.length === 0) return;
      const ops = opsOf(tx);
      for (const { label, vector } of chunks) ops.push({ label, vector, owner });
    },

    /** Resolves once every change committed so far is in the index (later ones do not hold it up). */
    applied: (): Promise<void> => queue.applied(),

    /** Resolves when nothing is left to apply: the index then reflects every committed change. */
    async settled(): Promise<void> {
      while (queue.pending()) await queue.applied();
    },
  };
}
