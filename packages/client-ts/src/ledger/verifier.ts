import type { LedgerEntry, SignedHead } from '@cortex/proto/cortex/v1/ledger_service';
import { Code } from '@cortex/proto/google/rpc/code';
import type { CallOptions, CortexClient } from '../cortex-client.js';
import { CortexError } from '../errors.js';
import { MemoryHeadStore, type HeadStore } from './head-store.js';
import { verifyHead, type TrustedKey, type VerifiedHead } from './heads.js';
import { entryHash, entryLeafHash, rootFromInclusionProof, verifyConsistency } from './proofs.js';

/** What a LedgerVerifier caught. */
export type LedgerVerificationFailure =
  /** A head that is not a well-formed signed note. */
  | 'MALFORMED_HEAD'
  /** Signed by no key you trust (wrong key id or a key you did not list). */
  | 'UNTRUSTED_KEY'
  /** The signature does not match the head. */
  | 'BAD_SIGNATURE'
  /** A head of another log (origin). */
  | 'WRONG_LOG'
  /** The server's newest head is older than the one you already trust: its ledger was cut back. */
  | 'ROLLBACK'
  /** A head the trusted one is not a prefix of (or vice versa): history was rewritten. */
  | 'INCONSISTENT'
  /** An entry whose content does not hash to its hash, or that is not in the tree its proof names. */
  | 'NOT_INCLUDED';

/**
 * Evidence that the ledger, or what the server says about it, is not what a head you trusted
 * committed to. Never retry it away: keep the trusted head and the offending one and investigate.
 */
export class LedgerVerificationError extends Error {
  override readonly name = 'LedgerVerificationError';

  constructor(
    readonly failure: LedgerVerificationFailure,
    message: string,
    /** The head trusted when it happened. */
    readonly trusted?: VerifiedHead,
    /** The note that failed, when a head did. */
    readonly offendingNote?: string,
  ) {
    super(message);
  }
}

export interface LedgerVerifierOptions {
  /** The keys whose heads you trust: key id (signed-note key name) and hex Ed25519 public key. */
  readonly trustedKeys: readonly TrustedKey[];
  /** Where the last trusted head is kept; in memory (this process only) when absent. */
  readonly store?: HeadStore;
  /** The log's origin (CORTEX_LEDGER_ORIGIN); when absent, that of the first head trusted. */
  readonly origin?: string;
}

/**
 * Client state for a Cortex ledger, in the manner of immudb's verified reads: the last signed
 * head you verified is kept (in `store`), every newer head must be signed by a trusted key and
 * proved, by a consistency proof, to extend it, and entries are proved to be in it. A server that
 * rewrote, cut or forked its history behind that head fails with a LedgerVerificationError.
 */
export class LedgerVerifier {
  readonly #client: CortexClient;
  readonly #keys: readonly TrustedKey[];
  readonly #store: HeadStore;
  readonly #origin: string | undefined;
  /** One head check at a time, so two callers never race to store. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(client: CortexClient, options: LedgerVerifierOptions) {
    if (options.trustedKeys.length === 0) throw new TypeError('LedgerVerifier needs at least one trusted key');
    this.#client = client;
    this.#keys = options.trustedKeys;
    this.#store = options.store ?? new MemoryHeadStore();
    this.#origin = options.origin;
  }

  /** The last head verified (by this process or one that used the same store). */
  async trustedHead(): Promise<VerifiedHead | undefined> {
    const note = await this.#store.load();
    return note === undefined ? undefined : this.#verified(note, undefined);
  }

  /** Fetches the newest head, checks it against the trusted one and keeps it. */
  refresh(options?: CallOptions): Promise<VerifiedHead> {
    return this.#serialized(async () => {
      const { head } = await this.#client.getSignedHead({ treeSize: 0 }, options);
      const trusted = await this.trustedHead();
      const offered = this.#verified(head?.note ?? '', trusted);
      if (trusted && offered.treeSize < trusted.treeSize) {
        throw new LedgerVerificationError(
          'ROLLBACK',
          `the server's newest head is at tree size ${offered.treeSize}, behind the trusted head at ${trusted.treeSize}: its ledger was cut back`,
          trusted,
          offered.note,
        );
      }
      return this.#accept(offered, trusted, options);
    });
  }

  /**
   * Checks a head met elsewhere, e.g. on a Subscribe stream (SubscribeResponse.head): signed,
   * and consistent with the trusted head whichever is newer; keeps it when newer.
   */
  observe(head: SignedHead, options?: CallOptions): Promise<VerifiedHead> {
    return this.#serialized(async () => {
      const trusted = await this.trustedHead();
      const offered = this.#verified(head.note, trusted);
      if (trusted && offered.treeSize < trusted.treeSize) {
        await this.#checkConsistent(offered, trusted, options);
        return trusted;
      }
      return this.#accept(offered, trusted, options);
    });
  }

  /**
   * Proves an entry is in the trusted head's tree (refreshing the head first when the entry is
   * newer) and that its content matches its hash. An entry no head covers yet is OUT_OF_RANGE
   * (reason LEDGER_ENTRY_NOT_YET_SIGNED): retry after the next head.
   */
  async verifyEntry(entry: LedgerEntry, options?: CallOptions): Promise<VerifiedHead> {
    let head = await this.trustedHead();
    if (head === undefined || entry.seq > head.treeSize) head = await this.refresh(options);
    if (entry.seq > head.treeSize) {
      throw new CortexError(Code.OUT_OF_RANGE, `entry ${entry.seq} is not covered by a signed head yet (the newest is at ${head.treeSize})`, {
        reason: 'LEDGER_ENTRY_NOT_YET_SIGNED',
      });
    }
    if (entryHash(entry) !== entry.hash) {
      throw new LedgerVerificationError('NOT_INCLUDED', `entry ${entry.seq}: its content does not hash to its hash`, head);
    }
    const proof = await this.#client.getInclusionProof({ seq: entry.seq, treeSize: head.treeSize }, options);
    const root = rootFromInclusionProof(entryLeafHash(entry.hash), entry.seq - 1, head.treeSize, proof.hashes);
    if (!root?.equals(head.rootHash)) {
      throw new LedgerVerificationError('NOT_INCLUDED', `entry ${entry.seq} is not in the tree of the trusted head (tree size ${head.treeSize})`, head);
    }
    return head;
  }

  async #accept(offered: VerifiedHead, trusted: VerifiedHead | undefined, options: CallOptions | undefined): Promise<VerifiedHead> {
    if (trusted?.note === offered.note) return trusted;
    if (trusted) await this.#checkConsistent(trusted, offered, options);
    await this.#store.save(offered.note);
    return offered;
  }

  /** The consistency proof that `newer` extends `older`, checked against both signed roots. */
  async #checkConsistent(older: VerifiedHead, newer: VerifiedHead, options: CallOptions | undefined): Promise<void> {
    const proof =
      older.treeSize === newer.treeSize
        ? { hashes: [] }
        : await this.#client.getConsistencyProof({ fromSize: older.treeSize, toSize: newer.treeSize }, options);
    if (!verifyConsistency(older.treeSize, newer.treeSize, older.rootHash, newer.rootHash, proof.hashes)) {
      throw new LedgerVerificationError(
        'INCONSISTENT',
        `the head at tree size ${newer.treeSize} does not extend the one at ${older.treeSize}: the ledger's history was rewritten`,
        older,
        newer.note,
      );
    }
  }

  #verified(note: string, trusted: VerifiedHead | undefined): VerifiedHead {
    const head = verifyHead(note, this.#keys);
    if (typeof head === 'string') throw new LedgerVerificationError(head, `signed head rejected: ${head}`, trusted, note);
    const origin = this.#origin ?? trusted?.origin;
    if (origin !== undefined && head.origin !== origin) {
      throw new LedgerVerificationError('WRONG_LOG', `the head is of log "${head.origin}", not "${origin}"`, trusted, note);
    }
    return head;
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.catch(() => undefined).then(work);
    this.#queue = run;
    return run;
  }
}
