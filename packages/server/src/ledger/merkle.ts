import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (section 2.1) over the ledger, SHA-256: leaf seq - 1 hashes
 * 0x00 ‖ the 32 bytes of that entry's hash, an inner node 0x01 ‖ left ‖ right, and the empty tree
 * is SHA-256 of nothing. Proofs are built from the stored roots of perfect subtrees ("nodes"),
 * so each needs O(log n) of them and never the leaves.
 */
export type Hash = Buffer;

export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The leaf hash of an entry, from LedgerEntry.hash (hex): its leaf data is those 32 bytes. */
export function entryLeafHash(entryHashHex: string): Hash {
  return leafHash(Buffer.from(entryHashHex, 'hex'));
}

export function leafHash(data: Buffer): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** The root of the perfect subtree of 2^level leaves starting at leaf index × 2^level. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Reads stored nodes; every node asked for is complete in the tree being proved. */
export type NodeReader = (level: number, index: number) => Hash;

/**
 * Nodes are stored in the order appending leaves completes them (leaf 0, leaf 1, node (1,0),
 * leaf 2, ...), so a tree's nodes are one ascending run of positions: the node completed by
 * leaf m sits after Σ_l floor(m / 2^l) earlier ones, plus its level.
 */
export function storedPosition(level: number, index: number): number {
  return storedCount((index + 1) * 2 ** level - 1) + level;
}

/** How many nodes a tree of n leaves has stored. */
export function storedCount(leaves: number): number {
  let count = 0;
  for (let m = leaves; m > 0; m = Math.floor(m / 2)) count += m;
  return count;
}

/** The perfect subtrees a tree of n leaves splits into, largest (leftmost) first. */
export function frontierIds(leaves: number): NodeId[] {
  const ids: NodeId[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level -= 1) {
    const size = 2 ** level;
    if (leaves - start >= size) {
      ids.push({ level, index: start / size });
      start += size;
    }
  }
  return ids;
}

/**
 * A tree being grown leaf by leaf: the roots of its frontier. Appending reports every node it
 * completes, in stored order; root() folds the frontier right to left (RFC 9162 MTH).
 */
export class Frontier {
  private readonly nodes: Array<{ level: number; hash: Hash }>;

  constructor(
    private leaves = 0,
    roots: readonly Hash[] = [],
  ) {
    const ids = frontierIds(leaves);
    if (ids.length !== roots.length) throw new Error(`a tree of ${leaves} leaves has ${ids.length} frontier nodes, got ${roots.length}`);
    this.nodes = ids.map((id, i) => ({ level: id.level, hash: roots[i]! }));
  }

  get size(): number {
    return this.leaves;
  }

  /** Appends a leaf hash; returns the nodes it completed, in stored order (the leaf first). */
  append(leaf: Hash): Array<NodeId & { hash: Hash }> {
    const completed = [{ level: 0, index: this.leaves, hash: leaf }];
    let node = { level: 0, hash: leaf };
    while (this.nodes.at(-1)?.level === node.level) {
      const left = this.nodes.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
      completed.push({ level: node.level, index: Math.floor(this.leaves / 2 ** node.level), hash: node.hash });
    }
    this.nodes.push(node);
    this.leaves += 1;
    return completed;
  }

  root(): Hash {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let root = this.nodes.at(-1)!.hash;
    for (let i = this.nodes.length - 2; i >= 0; i -= 1) root = nodeHash(this.nodes[i]!.hash, root);
    return root;
  }
}

/** MTH(D[start:end]) from stored nodes: a perfect aligned range is one node, else RFC 9162's split. */
export function subtreeRoot(read: NodeReader, start: number, end: number): Hash {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  const k = largestPowerOfTwoBelow(n);
  if (k * 2 === n && start % n === 0) return read(Math.log2(n), start / n);
  if (n === 1) return read(0, start);
  return nodeHash(subtreeRoot(read, start, start + k), subtreeRoot(read, start + k, end));
}

/** PATH(m, D[0:n]) of RFC 9162 section 2.1.3.1, for leaf index m of a tree of n leaves. */
export function inclusionProof(read: NodeReader, m: number, n: number): Hash[] {
  if (!(0 <= m && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const path: Hash[] = [];
  // Walk down from the root, collecting siblings; they are emitted leaf-first.
  let start = 0;
  let end = n;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m - start < k) {
      path.push(subtreeRoot(read, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(read, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[0:n]) of RFC 9162 section 2.1.4.1: that the tree of m leaves is a prefix of the one of n. */
export function consistencyProof(read: NodeReader, m: number, n: number): Hash[] {
  if (!(0 <= m && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  if (m === 0 || m === n) return [];
  const proof: Hash[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: the siblings are collected top-down and emitted bottom-up.
  let start = 0;
  let end = n;
  let complete = true;
  let wanted = m;
  for (;;) {
    if (wanted === end - start) {
      if (!complete) proof.push(subtreeRoot(read, start, end));
      break;
    }
    const k = largestPowerOfTwoBelow(end - start);
    if (wanted <= k) {
      proof.push(subtreeRoot(read, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeRoot(read, start, start + k));
      start += k;
      wanted -= k;
      complete = false;
    }
  }
  // Collected top-down; RFC order is bottom-up.
  return proof.reverse();
}

/** Recomputes the root from an entry's leaf hash and its audit path (RFC 9162 section 2.1.3.2). */
export function rootFromInclusionProof(leaf: Hash, m: number, n: number, path: readonly Hash[]): Hash | undefined {
  if (!(0 <= m && m < n)) return undefined;
  let fn = m;
  let sn = n - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Checks a consistency proof between two roots (RFC 9162 section 2.1.4.2). */
export function verifyConsistency(m: number, n: number, oldRoot: Hash, newRoot: Hash, proof: readonly Hash[]): boolean {
  if (!(0 <= m && m <= n)) return false;
  if (m === n) return proof.length === 0 && oldRoot.equals(newRoot);
  if (m === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(m) ? [oldRoot, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [first, ...rest] = path;
  if (first === undefined) return false;
  let fr = first;
  let sr = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(oldRoot) && sr.equals(newRoot) && sn === 0;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
