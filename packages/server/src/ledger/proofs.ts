import { CortexError, ErrorReason } from '../errors.js';
import { parseHead, type HeadStore, type TreeHead } from './heads.js';
import type { Ledger } from './index.js';
import type { Hash } from './merkle.js';
import { MissingNodeError, type TreeStore } from './tree.js';

export interface InclusionProof {
  readonly seq: number;
  readonly treeSize: number;
  readonly hashes: Hash[];
  /** The head signed at exactly treeSize, if any. */
  readonly head: TreeHead | undefined;
}

export interface ConsistencyProof {
  readonly fromSize: number;
  readonly toSize: number;
  readonly hashes: Hash[];
  readonly head: TreeHead | undefined;
}

/** Signed heads and Merkle proofs, for clients and witnesses. They carry hashes only. */
export interface Proofs {
  /** The head at a tree size; 0 for the newest. */
  signedHead(treeSize: number): TreeHead;
  /** The audit path of entry `seq` in the tree of `treeSize` entries (0: the newest head's). */
  inclusion(seq: number, treeSize: number): InclusionProof;
  /** The proof that the tree of `fromSize` entries is a prefix of the one of `toSize` (0: the newest head's). */
  consistency(fromSize: number, toSize: number): ConsistencyProof;
}

export function createProofs({ ledger, heads, tree }: { ledger: Pick<Ledger, 'head'>; heads: HeadStore; tree: TreeStore }): Proofs {
  const newest = (): TreeHead => {
    const head = parse(heads.newest());
    if (head === undefined) throw new CortexError('NOT_FOUND', 'no signed head yet', { reason: ErrorReason.LEDGER_HEAD_NOT_FOUND, metadata: {} });
    return head;
  };
  const checkSize = (treeSize: number) => {
    const last = ledger.head().seq;
    if (treeSize > last) {
      throw new CortexError('OUT_OF_RANGE', `tree size ${treeSize} is beyond the last entry ${last}`, {
        reason: ErrorReason.LEDGER_RANGE_BEYOND_HEAD,
        metadata: { headSeq: String(last) },
      });
    }
  };
  return {
    signedHead(treeSize) {
      if (treeSize === 0) return newest();
      checkSize(treeSize);
      const head = parse(heads.at(treeSize));
      if (head === undefined) {
        throw new CortexError('NOT_FOUND', `no head was signed at tree size ${treeSize}`, { reason: ErrorReason.LEDGER_HEAD_NOT_FOUND, metadata: { treeSize: String(treeSize) } });
      }
      return head;
    },
    inclusion(seq, treeSize) {
      const head = treeSize === 0 ? newest() : parse(heads.at(treeSize));
      const size = treeSize || (head?.treeSize ?? 0);
      if (treeSize === 0 && seq > size) {
        throw new CortexError('OUT_OF_RANGE', `entry ${seq} is not covered by a signed head yet (the newest is at tree size ${size}); retry after the next one`, {
          reason: ErrorReason.LEDGER_ENTRY_NOT_YET_SIGNED,
          metadata: { headTreeSize: String(size) },
        });
      }
      checkSize(size);
      return { seq, treeSize: size, hashes: fromTree(() => tree.inclusionProof(seq - 1, size)), head };
    },
    consistency(fromSize, toSize) {
      const head = toSize === 0 ? newest() : parse(heads.at(toSize));
      const size = toSize || (head?.treeSize ?? 0);
      checkSize(size);
      if (fromSize > size) {
        throw new CortexError('OUT_OF_RANGE', `from_size ${fromSize} is beyond the newest signed head's tree size ${size}`, {
          reason: ErrorReason.LEDGER_RANGE_BEYOND_HEAD,
          metadata: { headTreeSize: String(size) },
        });
      }
      return { fromSize, toSize: size, hashes: fromTree(() => tree.consistencyProof(fromSize, size)), head };
    },
  };
}

function parse(stored: { note: string } | undefined): TreeHead | undefined {
  return stored === undefined ? undefined : parseHead(stored.note);
}

/** A node missing from the stored tree means the ledger was damaged: the client's mistake it is not. */
function fromTree(prove: () => Hash[]): Hash[] {
  try {
    return prove();
  } catch (error: unknown) {
    if (!(error instanceof MissingNodeError)) throw error;
    throw new CortexError('FAILED_PRECONDITION', 'the ledger cannot prove this: its Merkle tree is incomplete', { reason: ErrorReason.LEDGER_INTEGRITY_FAILED, metadata: {}, cause: error });
  }
}
