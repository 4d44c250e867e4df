import { hashEntry, type LedgerEntry } from '../chain.js';
import { headHash, NO_PREVIOUS_HEAD, parseHead, type StoredHead, type TreeHead } from '../heads.js';
import { entryLeafHash, storedPosition, type Frontier, type Hash } from '../merkle.js';
import { openNote, type TrustedKeys } from '../note.js';

/** The first thing found wrong: at which seq, and why. */
export interface Failure {
  readonly seq: number;
  readonly reason: string;
}

/** The stored nodes the walk compares with the ones it recomputes, read ahead in pages. */
export interface NodeSource {
  nodesFrom(position: number, limit: number): Array<{ position: number; hash: Hash }>;
}

/** What the walk checks besides the chain: the Merkle tree and the heads signed over it. */
export interface TreeChecks {
  /** The tree of the entries before the walk's first seq (from stored nodes, or recomputed). */
  readonly frontier: Frontier;
  readonly nodes: NodeSource;
  /** Rows of ledger_heads within the walk, by the tree size they are stored under. */
  readonly heads: ReadonlyMap<number, StoredHead>;
  /** The newest head before the walk (its hash is what the first head's `prev` names). */
  readonly previousHead: TreeHead | undefined;
  /** Heads from outside the database (already signature-checked), by tree size. */
  readonly trusted: ReadonlyMap<number, TreeHead>;
  readonly trustedKeys: TrustedKeys;
  /** The tree size a head already vouches for when the walk starts. */
  readonly coveredBefore: number;
}

const NODE_PAGE = 4096;

/**
 * Checks entries arriving in seq order: each is the next seq, links to the one before, carries a
 * valid transaction id and its own hash. With tree checks it also grows the Merkle tree, compares
 * every node it completes with the stored one, and checks every head at its tree size: signed by
 * a trusted key, naming this entry, with this root, chained to the previous head, and where the
 * previous one said the next was due.
 */
export class LedgerWalker {
  checked = 0;
  headsChecked = 0;
  failure: Failure | undefined;
  readonly remembered = new Map<number, string>();
  private expect: number;
  private prevTxId: number | undefined;
  private readonly wanted = new Set<number>();
  /** The tree size of the last head whose root the walk reproduced. */
  private matched: number;
  private previousHead: TreeHead | undefined;
  private due: number | undefined;
  private covered: number;
  private storedPage: Array<{ position: number; hash: Hash }> = [];
  private storedAt = 0;

  constructor(
    readonly from: number,
    private readonly to: number,
    private prevHash: string | null,
    private readonly tree?: TreeChecks,
    /** Sees every entry that passed the checks. */
    private readonly onEntry?: (entry: LedgerEntry) => void,
  ) {
    this.expect = from;
    this.matched = from - 1;
    this.covered = tree?.coveredBefore ?? 0;
    this.previousHead = tree?.previousHead;
    this.due = tree?.previousHead?.nextDue;
  }

  done(): boolean {
    return this.failure !== undefined || this.expect > this.to;
  }

  get expected(): number {
    return this.expect;
  }

  /** The tree size of the newest head (signed or trusted) the walk verified. */
  coveredThrough(): number {
    return this.covered;
  }

  /** Keep the hashes at these seqs (for linking another walk to this one). */
  remember(...seqs: number[]): void {
    for (const seq of seqs) this.wanted.add(seq);
  }

  fail(seq: number, reason: string): void {
    this.failure ??= { seq, reason };
  }

  /** Returns false once the walk is over (range done or a failure found). */
  step(entry: LedgerEntry): boolean {
    if (this.done()) return false;
    if (entry.seq < this.from) {
      // Before the range: only the link into it matters.
      if (entry.seq === this.from - 1) {
        this.prevHash = entry.hash;
        this.prevTxId = entry.txId;
        if (this.wanted.has(entry.seq)) this.remembered.set(entry.seq, entry.hash);
      }
      return true;
    }
    if (entry.seq < this.expect) return this.stop(entry.seq, 'duplicate or out-of-order entry');
    if (entry.seq > this.expect) return this.stop(this.expect, 'missing entry');
    if (this.prevHash !== null && entry.prevHash !== this.prevHash) return this.stop(entry.seq, 'broken link to previous entry');
    const txOk = entry.txId === entry.seq || (entry.txId < entry.seq && (this.prevTxId === undefined || entry.txId === this.prevTxId));
    if (!txOk) return this.stop(entry.seq, 'bad transaction id');
    if (hashEntry(entry) !== entry.hash) return this.stop(entry.seq, 'hash mismatch');
    if (this.tree && !this.checkTree(entry, this.tree)) return false;
    if (this.wanted.has(entry.seq)) this.remembered.set(entry.seq, entry.hash);
    this.onEntry?.(entry);
    this.prevHash = entry.hash;
    this.prevTxId = entry.txId;
    this.expect += 1;
    this.checked += 1;
    return !this.done();
  }

  /**
   * The failure, if any, counting entries the range promised but the walk never saw, and a head
   * that was due by the last entry (`atEnd`: the walk reached the last entry of the ledger).
   */
  finish(atEnd: boolean): Failure | undefined {
    if (!this.failure && this.expect <= this.to) this.fail(this.expect, 'missing entry');
    if (!this.failure && atEnd && this.due !== undefined && this.due <= this.to) {
      this.fail(this.to, `signed head missing: one was due by tree size ${this.due}`);
    }
    return this.failure;
  }

  private checkTree(entry: LedgerEntry, tree: TreeChecks): boolean {
    if (this.due !== undefined && entry.seq > this.due && entry.txId > this.due) {
      return this.stop(entry.seq - 1, `signed head missing: one was due at tree size ${entry.seq - 1}`);
    }
    for (const node of tree.frontier.append(entryLeafHash(entry.hash))) {
      const stored = this.storedNode(tree, storedPosition(node.level, node.index));
      if (stored === undefined) return this.stop(entry.seq, `Merkle tree node (level ${node.level}, index ${node.index}) is missing`);
      if (!stored.equals(node.hash)) {
        return this.stop(entry.seq, node.level === 0 ? 'Merkle tree leaf does not match the entry' : `Merkle tree node (level ${node.level}, index ${node.index}) does not match the entries`);
      }
    }
    const stored = tree.heads.get(entry.seq);
    if (stored !== undefined && !this.checkHead(entry, stored, tree)) return false;
    const trusted = tree.trusted.get(entry.seq);
    if (trusted !== undefined && !this.checkTrusted(entry, trusted, stored, tree)) return false;
    return true;
  }

  private checkHead(entry: LedgerEntry, stored: StoredHead, tree: TreeChecks): boolean {
    this.headsChecked += 1;
    const head = parseHead(stored.note);
    if (head === undefined) return this.stop(entry.seq, 'malformed signed head');
    if (head.treeSize !== stored.treeSize) return this.stop(entry.seq, 'signed head stored under another tree size');
    const opened = openNote(stored.note, tree.trustedKeys);
    if ('problem' in opened) return this.stop(entry.seq, `signed head: ${opened.problem}`);
    if (!head.rootHash.equals(tree.frontier.root())) {
      return this.stop(this.matched + 1, `entries ${this.matched + 1}..${entry.seq} do not match the signed head at tree size ${entry.seq}`);
    }
    if (head.lastHash !== entry.hash) return this.stop(entry.seq, 'signed head does not match entry');
    const previous = this.previousHead;
    if (previous !== undefined && head.origin !== previous.origin) return this.stop(entry.seq, 'signed head names another log (origin)');
    if (!head.previousHead.equals(previous ? headHash(previous) : NO_PREVIOUS_HEAD)) {
      return this.stop(entry.seq, 'signed head chain broken: the head before it is missing or altered');
    }
    if (head.nextDue <= head.treeSize) return this.stop(entry.seq, 'malformed signed head (next head due before it)');
    this.matched = entry.seq;
    this.covered = entry.seq;
    this.previousHead = head;
    this.due = head.nextDue;
    return true;
  }

  private checkTrusted(entry: LedgerEntry, trusted: TreeHead, stored: StoredHead | undefined, tree: TreeChecks): boolean {
    if (!trusted.rootHash.equals(tree.frontier.root()) || trusted.lastHash !== entry.hash) {
      return this.stop(this.matched + 1, `entries ${this.matched + 1}..${entry.seq} do not match the trusted head at tree size ${entry.seq}`);
    }
    if (stored?.note !== trusted.note) return this.stop(entry.seq, `the trusted head at tree size ${entry.seq} is missing from the ledger`);
    this.matched = entry.seq;
    this.covered = entry.seq;
    return true;
  }

  /** The stored node at a position; positions are asked for in ascending order. */
  private storedNode(tree: TreeChecks, position: number): Hash | undefined {
    let node = this.storedPage[this.storedAt];
    if (node === undefined || node.position < position) {
      this.storedPage = tree.nodes.nodesFrom(position, NODE_PAGE);
      this.storedAt = 0;
      node = this.storedPage[0];
    }
    if (node?.position !== position) return undefined;
    this.storedAt += 1;
    return node.hash;
  }

  private stop(seq: number, reason: string): false {
    this.fail(seq, reason);
    return false;
  }
}
