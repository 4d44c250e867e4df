import { headHash, headText, NO_PREVIOUS_HEAD, parseHead, type HeadStore, type TreeHead } from './heads.js';
import type { Signer } from './signing.js';
import type { TreeStore } from './tree.js';

export interface HeadSignerDeps {
  readonly heads: HeadStore;
  readonly tree: TreeStore;
  readonly signer: Signer;
  /** The checkpoint's origin line: the log's name. */
  readonly origin: string;
  /** The next head is due this many entries after each one. */
  readonly every: number;
  readonly clock: () => number;
}

export interface HeadSigner {
  /** The tree size by which the next head is due. */
  nextDue(): number;
  newest(): TreeHead | undefined;
  /**
   * Signs the head over the first `treeSize` entries (entry treeSize has hash `lastHash`), chained
   * to the newest head, inside the caller's transaction; the newest head when one covers it already.
   */
  sign(treeSize: number, lastHash: string): TreeHead;
}

export function createHeadSigner({ heads, tree, signer, origin, every, clock }: HeadSignerDeps): HeadSigner {
  const newest = (): TreeHead | undefined => {
    const stored = heads.newest();
    if (stored === undefined) return undefined;
    const head = parseHead(stored.note);
    if (head === undefined) throw new Error(`the signed head at tree size ${stored.treeSize} is malformed`);
    return head;
  };
  return {
    nextDue: () => newest()?.nextDue ?? every,
    newest,
    sign(treeSize, lastHash) {
      const previous = newest();
      if (previous !== undefined && previous.treeSize >= treeSize) return previous;
      const fields = {
        origin,
        treeSize,
        rootHash: tree.root(treeSize),
        time: clock(),
        lastHash,
        previousHead: previous ? headHash(previous) : NO_PREVIOUS_HEAD,
        nextDue: treeSize + every,
      };
      const note = signer.signNote(headText(fields));
      const head: TreeHead = { ...fields, keyId: signer.keyId, note };
      heads.insert(head);
      return head;
    },
  };
}
