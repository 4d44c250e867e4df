import { CortexError, ErrorReason } from '../../errors.js';
import { yieldToEventLoop } from '../../jobs/index.js';
import type { Archive } from '../archive.js';
import { GENESIS_HASH, type LedgerEntry } from '../chain.js';
import { parseHead, type HeadStore, type TreeHead } from '../heads.js';
import type { Ledger } from '../index.js';
import { Frontier, storedCount } from '../merkle.js';
import { openNote, type TrustedKeys } from '../note.js';
import type { SegmentStore } from '../segments.js';
import { tipProblem, type TipStore } from '../tip.js';
import type { TreeStore } from '../tree.js';
import { recordProblems, walkArchive } from './archive.js';
import { expiredPrefix, expiryProblems, isExpiryRecord, type ExpiryRecord } from './expiry.js';
import { headsBefore } from './prefix.js';
import { LedgerWalker, type Failure, type TreeChecks } from './walker.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly entriesChecked: number;
  /** Signed heads checked. */
  readonly checkpointsChecked: number;
  /** 0 when ok. */
  readonly firstBadSeq: number;
  readonly reason: string;
  readonly headSeq: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

export interface VerifyRange {
  /** 0 or absent: the oldest entry that should exist (archive included). */
  readonly fromSeq?: number;
  /** 0 or absent: the last entry. */
  readonly toSeq?: number;
}

export interface VerifyOptions extends VerifyRange {
  /** Signed heads kept outside the database (the trusted-head files), as notes. */
  readonly trustedHeads?: readonly string[];
  /** The data directory's copy of the last trusted head is missing: evidence, once heads exist. */
  readonly dataDirHeadMissing?: boolean;
}

export interface VerifierDeps {
  readonly ledger: Pick<Ledger, 'head' | 'oldestLiveSeq' | 'entries'>;
  readonly segments: SegmentStore;
  readonly heads: HeadStore;
  readonly tree: TreeStore;
  readonly tip: TipStore;
  readonly archive: Archive;
  /** Public key (hex) → key id of every key whose signatures are trusted. */
  readonly trustedKeys: TrustedKeys;
  /** The tip MAC, for verifiers that hold the signing secret (the server; the CLI given the secret). */
  readonly tipMac?: ((text: string) => string) | undefined;
  /** Keeps maintenance from removing live entries mid-walk; returns the release. */
  readonly holdPruning?: () => () => void;
}

export type Verifier = (options: VerifyOptions) => Promise<VerifyReport>;

const PAGE = 2000;

/**
 * Walks the archive and then the live tail, recomputing every hash, link and Merkle node and
 * checking every signed head and manifest, the tip, the segment records and the heads kept
 * outside the database; reports the first bad seq. The archive and the live copies of archived
 * segments are each checked as a chain; where they overlap the live copy must end on the
 * archive's hash, so by collision resistance the two hold the same entries.
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  return async (options) => {
    const release = deps.holdPruning?.() ?? (() => undefined);
    try {
      return await verify(deps, options);
    } finally {
      release();
    }
  };
}

async function verify(deps: VerifierDeps, options: VerifyOptions): Promise<VerifyReport> {
  const { ledger, segments, heads, tree, archive, trustedKeys } = deps;
  const head = ledger.head().seq;
  const all = segments.all();
  // Entries only ever leave the system when retention expires a segment (a prefix of them), and that is recorded.
  const expired = expiredPrefix(all).at(-1);
  const oldest = expired ? expired.lastSeq + 1 : 1;
  // 0 or absent: the whole ledger.
  const from = (options.fromSeq ?? 0) || oldest;
  const to = (options.toSeq ?? 0) || head;
  checkRange(from, to, oldest, head);

  const failures: Failure[] = [];
  const trusted = openTrustedHeads(options.trustedHeads ?? [], trustedKeys, failures);
  if (from === oldest && (head > 0 || heads.newest() !== undefined)) failures.push(...headsBefore(from, heads, tree, trustedKeys));
  const newestHead = heads.newest();
  if (options.dataDirHeadMissing && newestHead) {
    // What the file vouched for beyond the heads in the database is unknown: from the newest one on.
    failures.push({ seq: Math.min(newestHead.treeSize + 1, head + 1), reason: 'the last trusted head (ledger/trusted-head in the data directory) is missing' });
  }
  const previousHead = parseHead(heads.before(from)?.note ?? '');
  const frontier = frontierBefore(tree, from, failures);
  const treeChecks: TreeChecks | undefined = frontier && {
    frontier,
    nodes: tree,
    heads: new Map(heads.range(from, to).map((h) => [h.treeSize, h])),
    previousHead,
    trusted,
    trustedKeys,
    coveredBefore: trusted.has(from - 1) ? from - 1 : (previousHead?.treeSize ?? 0),
  };
  const trustedBefore = trusted.get(from - 1);
  if (trustedBefore && frontier && !trustedBefore.rootHash.equals(frontier.root())) {
    failures.push({ seq: from - 1, reason: `the Merkle tree does not match the trusted head at tree size ${from - 1}` });
  }
  if (trustedBefore && heads.at(from - 1)?.note !== trustedBefore.note) {
    failures.push({ seq: from - 1, reason: `the trusted head at tree size ${from - 1} is missing from the ledger` });
  }

  const anchorAt = (seq: number): string | null => (seq === 0 ? GENESIS_HASH : seq === expired?.lastSeq ? expired.lastHash : null);
  const archived = segments.archived();
  const archiveEnd = archived.at(-1)?.lastSeq ?? 0;
  const liveOldest = ledger.oldestLiveSeq();
  const expiries: ExpiryRecord[] = [];
  const anchor = anchorAt(from - 1) ?? ledger.entries(from - 1, from - 1, 1)[0]?.hash ?? null;
  const walker = new LedgerWalker(from, to, anchor, treeChecks, (entry) => {
    if (isExpiryRecord(entry)) expiries.push(entry);
  });
  const copyStart = Math.max(from, liveOldest);
  walker.remember(copyStart - 1, archiveEnd);

  // 1. The archive, for everything archived in range; 2. the live tail after it.
  if (from <= archiveEnd) await walkArchive(archive, archived, walker, trustedKeys);
  if (!walker.done()) await walkLive(ledger, walker, Math.max(from, archiveEnd + 1), to);
  const failure = walker.finish(to === head);
  if (failure) failures.push(failure);

  // 3. Live copies of archived segments: their own chain, ending on the archive's hash.
  if (copyStart <= Math.min(to, archiveEnd)) {
    const copy = await checkLiveCopy(ledger, copyStart, Math.min(to, archiveEnd), walker.remembered);
    if (copy) failures.push(copy);
  }

  if (to === head) {
    failures.push(...endProblems(deps, head, failure ? undefined : walker.coveredThrough(), trusted));
    // The newest retention record is among the entries walked, if the walk got through them.
    if (from === oldest && !failure) failures.push(...expiryProblems(all, expiries));
  }
  failures.push(...recordProblems(all, await archive.manifestRanges()));

  const first = failures.sort((a, b) => a.seq - b.seq)[0];
  return {
    ok: first === undefined,
    entriesChecked: walker.checked,
    checkpointsChecked: walker.headsChecked,
    firstBadSeq: first?.seq ?? 0,
    reason: first?.reason ?? '',
    headSeq: head,
    fromSeq: from,
    toSeq: to,
  };
}

function checkRange(from: number, to: number, oldest: number, head: number): void {
  if (from < oldest) {
    throw new CortexError('OUT_OF_RANGE', `entries before ${oldest} were removed by archive retention`, {
      reason: ErrorReason.LEDGER_RANGE_EXPIRED,
      metadata: { oldestSeq: String(oldest), headSeq: String(head) },
    });
  }
  if (to > head) {
    throw new CortexError('OUT_OF_RANGE', `to_seq ${to} is beyond the head ${head}`, {
      reason: ErrorReason.LEDGER_RANGE_BEYOND_HEAD,
      metadata: { headSeq: String(head) },
    });
  }
}

/** The trusted heads that are well formed and signed by a trusted key, by tree size; the others are failures. */
function openTrustedHeads(notes: readonly string[], trustedKeys: TrustedKeys, failures: Failure[]): Map<number, TreeHead> {
  const trusted = new Map<number, TreeHead>();
  for (const note of notes) {
    const head = parseHead(note);
    const opened = openNote(note, trustedKeys);
    if (head === undefined) failures.push({ seq: 1, reason: 'the trusted head is not a signed tree head' });
    else if ('problem' in opened) failures.push({ seq: head.treeSize, reason: `the trusted head: ${opened.problem}` });
    else trusted.set(head.treeSize, head);
  }
  return trusted;
}

/** The tree of the entries before `from`, from the stored nodes (the heads in range check it). */
function frontierBefore(tree: TreeStore, from: number, failures: Failure[]): Frontier | undefined {
  if (from === 1) return new Frontier();
  try {
    return tree.frontier(from - 1);
  } catch {
    failures.push({ seq: from, reason: `Merkle tree nodes before seq ${from} are missing` });
    return undefined;
  }
}

async function walkLive(ledger: VerifierDeps['ledger'], walker: LedgerWalker, start: number, to: number): Promise<void> {
  // From the entry before the range when the walk has not begun (its link), else where it stopped.
  for (let next = walker.expected > walker.from ? start : Math.max(1, start - 1); next <= to && !walker.done(); ) {
    const page = ledger.entries(next, to, PAGE);
    for (const entry of page) if (!walker.step(entry)) break;
    if (page.length < PAGE) break;
    next = (page.at(-1)?.seq ?? to) + 1;
    await yieldToEventLoop();
  }
}

async function checkLiveCopy(ledger: VerifierDeps['ledger'], start: number, end: number, archived: ReadonlyMap<number, string>): Promise<Failure | undefined> {
  const anchor = archived.get(start - 1) ?? ledger.entries(start - 1, start - 1, 1)[0]?.hash ?? (start === 1 ? GENESIS_HASH : null);
  const copy = new LedgerWalker(start, end, anchor);
  let last: LedgerEntry | undefined;
  for (let next = start; next <= end && !copy.done(); ) {
    const page = ledger.entries(next, end, PAGE);
    for (const entry of page) {
      last = entry;
      if (!copy.step(entry)) break;
    }
    if (page.length < PAGE) break;
    next = (page.at(-1)?.seq ?? end) + 1;
    await yieldToEventLoop();
  }
  const failure = copy.finish(false);
  if (failure) return failure;
  return last?.hash === archived.get(end) ? undefined : { seq: end, reason: 'live copy differs from the archived segment' };
}

/**
 * What only the end of the ledger shows: signed heads or a trusted head beyond the last entry
 * (entries were removed), Merkle nodes beyond it, and the tip, which must seal the last entry
 * and authenticates entries after the newest head.
 */
function endProblems(deps: VerifierDeps, head: number, covered: number | undefined, trusted: ReadonlyMap<number, TreeHead>): Failure[] {
  const failures: Failure[] = [];
  const beyond = deps.heads.range(head + 1, Number.MAX_SAFE_INTEGER)[0];
  if (beyond) failures.push({ seq: head + 1, reason: `missing entry (a signed head exists at tree size ${beyond.treeSize})` });
  const trustedBeyond = [...trusted.keys()].find((size) => size > head);
  if (trustedBeyond !== undefined) failures.push({ seq: head + 1, reason: `missing entry (the trusted head is at tree size ${trustedBeyond})` });
  if (deps.tree.nodeCount() > storedCount(head)) failures.push({ seq: head + 1, reason: 'the Merkle tree holds nodes beyond the last entry' });
  const last = { seq: head, hash: deps.ledger.head().hash };
  const tip = deps.tip.get();
  const problem = tipProblem(tip, last, deps.tipMac);
  if (tip && tip.seq > head) {
    failures.push({ seq: head + 1, reason: `missing entry (the ledger tip names seq ${tip.seq})` });
  } else if (covered === undefined) {
    // The walk failed before the end: what covers the tail is not known.
  } else if (head > covered) {
    const uncovered = `entries ${covered + 1}..${head} are not covered by a signed head`;
    if (problem) failures.push({ seq: covered + 1, reason: `${uncovered}, and ${problem}` });
    else if (deps.tipMac === undefined) failures.push({ seq: covered + 1, reason: `${uncovered} (the tip seal needs the signing secret)` });
  } else if (problem) {
    failures.push({ seq: head, reason: problem });
  }
  return failures;
}
