import type { Db, Statement } from '../storage/index.js';
import {
  consistencyProof,
  entryLeafHash,
  Frontier,
  frontierIds,
  inclusionProof,
  storedPosition,
  subtreeRoot,
  type Hash,
  type NodeReader,
} from './merkle.js';

/**
 * Owns ledger_tree: every node of the Merkle tree over the entries (merkle.ts), one row per node
 * keyed by its stored position, appended in the same transaction as the entries. Nodes are never
 * deleted, not even when retention deletes the entries under them, so proofs keep working.
 */
export interface TreeStore {
  /** Appends the leaves of new entries to a tree of `size` leaves (whose last entry hash is `lastHash`). */
  append(size: number, lastHash: string, entryHashes: readonly string[]): void;
  /** How many nodes are stored (a tree of n leaves has storedCount(n)). */
  nodeCount(): number;
  root(size: number): Hash;
  /** The frontier of the tree of `size` leaves, from the stored nodes. */
  frontier(size: number): Frontier;
  inclusionProof(leafIndex: number, size: number): Hash[];
  consistencyProof(fromSize: number, toSize: number): Hash[];
  /** Stored nodes from a position on, ascending (the verifier compares them with recomputed ones). */
  nodesFrom(position: number, limit: number): Array<{ position: number; hash: Hash }>;
}

export class MissingNodeError extends Error {
  override readonly name = 'MissingNodeError';
}

export function createTreeStore(db: Db): TreeStore {
  const nodeAt = db.prepare<[number], { hash: Buffer }>('SELECT hash FROM ledger_tree WHERE position = ?');
  const last = db.prepare<[], { position: number }>('SELECT position FROM ledger_tree ORDER BY position DESC LIMIT 1');
  const from = db.prepare<[number, number], { position: number; hash: Buffer }>('SELECT position, hash FROM ledger_tree WHERE position >= ? ORDER BY position LIMIT ?');
  let insert: Statement<[number, Buffer]> | undefined;
  // The frontier after the last append, keyed by tree size and last entry hash: a rolled-back
  // transaction leaves it ahead of the database, and the key no longer matches.
  let cached: { size: number; lastHash: string; frontier: Frontier } | undefined;

  const read: NodeReader = (level, index) => {
    const row = nodeAt.get(storedPosition(level, index));
    if (row === undefined) throw new MissingNodeError(`Merkle tree node (level ${level}, index ${index}) is missing`);
    return row.hash;
  };
  const frontier = (size: number) => new Frontier(size, frontierIds(size).map((id) => read(id.level, id.index)));

  return {
    append(size, lastHash, entryHashes) {
      const grown = cached?.size === size && cached.lastHash === lastHash ? cached.frontier : frontier(size);
      cached = undefined; // until this append is complete: the frontier is changed in place
      insert ??= db.prepare('INSERT INTO ledger_tree (position, hash) VALUES (?, ?)');
      for (const hash of entryHashes) {
        for (const node of grown.append(entryLeafHash(hash))) insert.run(storedPosition(node.level, node.index), node.hash);
      }
      cached = { size: grown.size, lastHash: entryHashes.at(-1) ?? lastHash, frontier: grown };
    },
    nodeCount: () => (last.get()?.position ?? -1) + 1,
    root: (size) => subtreeRoot(read, 0, size),
    frontier,
    inclusionProof: (leafIndex, size) => inclusionProof(read, leafIndex, size),
    consistencyProof: (fromSize, toSize) => consistencyProof(read, fromSize, toSize),
    nodesFrom: (position, limit) => from.all(position, limit),
  };
}
