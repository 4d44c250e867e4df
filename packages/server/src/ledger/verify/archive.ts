import { yieldToEventLoop } from '../../jobs/index.js';
import { ArchiveFormatError, parseManifest, type Archive, type SegmentRange } from '../archive.js';
import type { LedgerEntry } from '../chain.js';
import { openNote, type TrustedKeys } from '../note.js';
import type { SegmentRecord } from '../segments.js';
import type { Failure, LedgerWalker } from './walker.js';

const YIELD_EVERY = 2000;

/**
 * Feeds the walker the archived entries of the segments it needs, checking each segment on the
 * way: its file is present and matches the signed manifest, the manifest matches the record,
 * the record matches the file's last entry. A whole-segment problem with no bad entry is
 * reported at the segment's first seq in range.
 */
export async function walkArchive(
  archive: Archive,
  archived: readonly SegmentRecord[],
  walker: LedgerWalker,
  trustedKeys: TrustedKeys,
): Promise<void> {
  for (const segment of archived) {
    if (walker.done()) return;
    if (segment.lastSeq < walker.from - 1) continue;
    const segmentStart = Math.max(segment.firstSeq, walker.from);
    const problem = await segmentProblem(archive, segment, trustedKeys);
    if (problem === 'archive segment missing') {
      walker.fail(segmentStart, problem);
      return;
    }
    let count = 0;
    let last: LedgerEntry | undefined;
    try {
      for await (const entry of archive.read(segment)) {
        count += 1;
        last = entry;
        if (entry.seq > segment.lastSeq || entry.seq < segment.firstSeq) {
          walker.fail(Math.max(walker.expected, segmentStart), 'archived entry outside its segment');
          return;
        }
        if (!walker.step(entry)) break;
        if (count % YIELD_EVERY === 0) await yieldToEventLoop();
      }
    } catch (error: unknown) {
      if (!(error instanceof ArchiveFormatError)) throw error;
      walker.fail(Math.max(walker.expected, segmentStart), `archive segment unreadable: ${error.message}`);
      return;
    }
    if (walker.done() && walker.failure) return;
    if (problem) {
      walker.fail(segmentStart, problem);
      return;
    }
    if (!walker.done() && walker.expected <= segment.lastSeq) {
      walker.fail(walker.expected, 'missing entry');
      return;
    }
    if (last?.seq === segment.lastSeq && (last.time !== segment.lastTime || last.hash !== segment.lastHash)) {
      walker.fail(segmentStart, 'segment record does not match its last entry');
      return;
    }
  }
}

async function segmentProblem(archive: Archive, segment: SegmentRecord, trustedKeys: TrustedKeys): Promise<string | undefined> {
  const checksum = await archive.checksum(segment);
  if (checksum === undefined) return 'archive segment missing';
  const note = await archive.readManifest(segment);
  if (note === undefined) return 'archive manifest missing';
  const opened = openNote(note, trustedKeys);
  if ('problem' in opened) return `archive manifest: ${opened.problem}`;
  const manifest = parseManifest(opened.text);
  if (manifest === undefined) return 'archive manifest malformed';
  if (
    manifest.firstSeq !== segment.firstSeq ||
    manifest.lastSeq !== segment.lastSeq ||
    manifest.lastTime !== segment.lastTime ||
    manifest.lastHash !== segment.lastHash ||
    manifest.sha256 !== segment.sha256
  ) {
    return 'archive manifest does not match the segment record';
  }
  if (checksum !== manifest.sha256) return 'archive segment checksum mismatch';
  return undefined;
}

/**
 * The segment records themselves: they tile the ledger from seq 1 without gaps, only the last
 * may still be half-written, expired ones come first, and every manifest in the archive has one.
 */
export function recordProblems(all: readonly SegmentRecord[], manifests: readonly SegmentRange[]): Failure[] {
  const failures: Failure[] = [];
  let next = 1;
  let live = false;
  all.forEach((segment, i) => {
    if (segment.firstSeq !== next || segment.lastSeq < segment.firstSeq) {
      failures.push({ seq: Math.min(next, segment.firstSeq), reason: 'segment records are not contiguous' });
    }
    if (segment.sha256 === null && i < all.length - 1) failures.push({ seq: segment.firstSeq, reason: 'segment record left half-written' });
    if (segment.expired && live) failures.push({ seq: segment.firstSeq, reason: 'segment marked expired after one that is not' });
    live ||= !segment.expired;
    next = segment.lastSeq + 1;
  });
  for (const range of manifests) {
    if (!all.some((s) => s.firstSeq === range.firstSeq && s.lastSeq === range.lastSeq)) {
      failures.push({ seq: range.firstSeq, reason: 'archive manifest without a segment record' });
    }
  }
  return failures;
}
