import { CortexError, ErrorReason } from '../errors.js';
import { yieldToEventLoop } from '../jobs/index.js';
import { ArchiveFormatError, type Archive } from './archive.js';
import { GENESIS_HASH, hashEntry, type LedgerEntry } from './chain.js';
import type { CheckpointStore } from './checkpoints.js';
import type { Ledger } from './index.js';
import type { SegmentRecord, SegmentStore } from './segments.js';
import { checkCheckpointSignature, type Checkpoint } from './signing.js';

export interface VerifyReport {
  readonly ok: boolean;
  readonly entriesChecked: number;
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
  /** 0 or absent: the head. */
  readonly toSeq?: number;
}

export interface VerifierDeps {
  readonly ledger: Pick<Ledger, 'head' | 'oldestLiveSeq' | 'entries'>;
  readonly segments: SegmentStore;
  readonly checkpoints: CheckpointStore;
  readonly archive: Archive;
  /** Public key (hex) → key id of every key whose checkpoints are trusted. */
  readonly trustedKeys: ReadonlyMap<string, string>;
  /** Keeps maintenance from removing live entries mid-walk; returns the release. */
  readonly holdPruning?: () => () => void;
}

export type Verifier = (range: VerifyRange) => Promise<VerifyReport>;

interface Failure {
  readonly seq: number;
  readonly reason: string;
}

const PAGE = 2000;

/**
 * Walks the archive and then the live tail, recomputing every hash and link and checking every
 * checkpoint, and reports the first bad seq. The archive and the live copies of archived
 * segments are each checked as a chain; where they overlap the live copy must end on the
 * archive's hash, so by collision resistance the two hold the same entries.
 */
export function createVerifier(deps: VerifierDeps): Verifier {
  return async (range) => {
    const release = deps.holdPruning?.() ?? (() => undefined);
    try {
      return await verify(deps, range);
    } finally {
      release();
    }
  };
}

/** The range's 0 (and an absent field) both mean "no bound". */
function unsetIfZero(seq: number | undefined): number | undefined {
  return seq === 0 ? undefined : seq;
}

async function verify(deps: VerifierDeps, range: VerifyRange): Promise<VerifyReport> {
  const { ledger, segments, checkpoints, archive, trustedKeys } = deps;
  const head = ledger.head().seq;
  const all = segments.all();
  const expired = all.filter((s) => s.expiredAt !== null).at(-1);
  // Entries only ever leave the system when retention expires a segment, and that is recorded.
  const oldest = expired ? expired.lastSeq + 1 : 1;
  const from = unsetIfZero(range.fromSeq) ?? oldest;
  const to = unsetIfZero(range.toSeq) ?? head;
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
  const base = { headSeq: head, fromSeq: from, toSeq: to };
  if (from > to) return { ok: true, entriesChecked: 0, checkpointsChecked: 0, firstBadSeq: 0, reason: '', ...base };

  const cps = new Map(checkpoints.inRange(from, to).map((cp) => [cp.seq, cp]));
  const checkedCps = new Set<number>();
  const checkCheckpoint = (cp: Checkpoint, entryHash: string): string | undefined => {
    checkedCps.add(cp.seq);
    return checkCheckpointSignature(cp, trustedKeys) ?? (cp.hash === entryHash ? undefined : 'checkpoint does not match entry');
  };
  const anchorAt = (seq: number): string | null => (seq === 0 ? GENESIS_HASH : seq === expired?.lastSeq ? expired.lastHash : null);

  const liveOldest = ledger.oldestLiveSeq();
  const archived = all.filter((s) => s.expiredAt === null);
  const archiveEnd = archived.at(-1)?.lastSeq ?? 0;
  const failures: Failure[] = [];
  let checked = 0;

  // 1. The archive, for everything before the live tail (and the live copies' overlap).
  const remembered = new Map<number, string>();
  if (from < liveOldest || from <= archiveEnd) {
    const walker = new ChainWalker(from, Math.min(to, Math.max(liveOldest - 1, archiveEnd)), anchorAt(from - 1), cps, checkCheckpoint);
    walker.remember(liveOldest - 1, archiveEnd);
    await walkArchive(archive, archived, walker);
    const failure = walker.finish();
    if (failure) failures.push(failure);
    checked += walker.checked;
    for (const [seq, hash] of walker.remembered) remembered.set(seq, hash);
  }

  // 2. The live tail, including live copies of archived segments.
  const liveStart = Math.max(from, liveOldest);
  if (liveStart <= to) {
    const before = liveStart - 1;
    const anchor = remembered.get(before) ?? ledger.entries(before, before, 1)[0]?.hash ?? anchorAt(before);
    const walker = new ChainWalker(liveStart, to, anchor, cps, checkCheckpoint);
    const archivedHash = remembered.get(archiveEnd);
    for (let next = Math.max(1, liveStart - 1); next <= to && !walker.isDone(); ) {
      const page = ledger.entries(next, to, PAGE);
      for (const entry of page) {
        const more = walker.step(entry);
        if (walker.failure) break;
        if (entry.seq === archiveEnd && entry.seq >= liveStart && archivedHash !== undefined && entry.hash !== archivedHash) {
          walker.fail(entry.seq, 'live copy differs from the archived segment');
          break;
        }
        if (!more) break;
      }
      if (page.length < PAGE) break;
      next = (page.at(-1)?.seq ?? to) + 1;
      await yieldToEventLoop();
    }
    const failure = walker.finish();
    if (failure) failures.push(failure);
    checked += walker.checked;
  }

  // 3. A signed checkpoint past the head proves entries were removed from the end.
  if (to === head) {
    const beyond = checkpoints.after(head)[0];
    if (beyond) failures.push({ seq: head + 1, reason: `missing entry (a checkpoint exists at seq ${beyond.seq})` });
  }

  const first = failures.sort((a, b) => a.seq - b.seq)[0];
  return {
    ok: first === undefined,
    entriesChecked: checked,
    checkpointsChecked: checkedCps.size,
    firstBadSeq: first?.seq ?? 0,
    reason: first?.reason ?? '',
    ...base,
  };
}

async function walkArchive(archive: Archive, archived: readonly SegmentRecord[], walker: ChainWalker): Promise<void> {
  for (const segment of archived) {
    if (walker.isDone()) return;
    if (segment.lastSeq < walker.from - 1) continue;
    const segmentStart = Math.max(segment.firstSeq, walker.from);
    const problem = await segmentProblem(archive, segment);
    if (problem === 'archive segment missing') {
      walker.fail(segmentStart, problem);
      return;
    }
    let count = 0;
    try {
      for await (const entry of archive.read(segment)) {
        count += 1;
        if (entry.seq > segment.lastSeq || entry.seq < segment.firstSeq) {
          walker.fail(entry.seq, 'archived entry outside its segment');
          return;
        }
        if (!walker.step(entry)) break;
        if (count % PAGE === 0) await yieldToEventLoop();
      }
    } catch (error: unknown) {
      if (!(error instanceof ArchiveFormatError)) throw error;
      walker.fail(Math.max(walker.expected, segmentStart), `archive segment unreadable: ${error.message}`);
      return;
    }
    if (walker.isDone() && walker.failure) return;
    // Only whole-segment problems are left: they belong to the segment's first entry in range.
    if (problem) {
      walker.fail(segmentStart, problem);
      return;
    }
    if (!walker.isDone() && walker.expected <= segment.lastSeq) {
      walker.fail(walker.expected, 'missing entry');
      return;
    }
  }
}

async function segmentProblem(archive: Archive, segment: SegmentRecord): Promise<string | undefined> {
  const checksum = await archive.checksum(segment);
  if (checksum === undefined) return 'archive segment missing';
  let manifest;
  try {
    manifest = await archive.readManifest(segment);
  } catch {
    return 'archive manifest missing or unreadable';
  }
  if (
    manifest.firstSeq !== segment.firstSeq ||
    manifest.lastSeq !== segment.lastSeq ||
    manifest.entryCount !== segment.entryCount ||
    manifest.lastHash !== segment.lastHash ||
    manifest.firstPrevHash !== segment.firstPrevHash ||
    manifest.sha256 !== segment.sha256
  ) {
    return 'archive manifest does not match the segment record';
  }
  if (checksum !== segment.sha256) return 'archive segment checksum mismatch';
  return undefined;
}

/** Checks one chain of entries arriving in seq order. */
class ChainWalker {
  checked = 0;
  failure: Failure | undefined;
  readonly remembered = new Map<number, string>();
  private expect: number;
  private prevTxId: number | undefined;
  private readonly wanted = new Set<number>();

  constructor(
    readonly from: number,
    private readonly to: number,
    private prevHash: string | null,
    private readonly checkpoints: ReadonlyMap<number, Checkpoint>,
    private readonly checkCheckpoint: (cp: Checkpoint, entryHash: string) => string | undefined,
  ) {
    this.expect = from;
  }

  isDone(): boolean {
    return this.failure !== undefined || this.expect > this.to;
  }

  get expected(): number {
    return this.expect;
  }

  /** Keep the hashes at these seqs (for linking the live walk to the archive). */
  remember(...seqs: number[]): void {
    for (const seq of seqs) this.wanted.add(seq);
  }

  fail(seq: number, reason: string): void {
    this.failure ??= { seq, reason };
  }

  /** Returns false once the walk is over (range done or a failure found). */
  step(entry: LedgerEntry): boolean {
    if (this.isDone()) return false;
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
    const cp = this.checkpoints.get(entry.seq);
    const cpProblem = cp ? this.checkCheckpoint(cp, entry.hash) : undefined;
    if (cpProblem) return this.stop(entry.seq, cpProblem);
    if (this.wanted.has(entry.seq)) this.remembered.set(entry.seq, entry.hash);
    this.prevHash = entry.hash;
    this.prevTxId = entry.txId;
    this.expect += 1;
    this.checked += 1;
    return !this.isDone();
  }

  /** The failure, if any, counting entries the range promised but the walk never saw. */
  finish(): Failure | undefined {
    if (!this.failure && this.expect <= this.to) this.fail(this.expect, 'missing entry');
    return this.failure;
  }

  private stop(seq: number, reason: string): false {
    this.fail(seq, reason);
    return false;
  }
}
