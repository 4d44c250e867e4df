import type { Archive } from '../archive.js';
import type { LedgerEntry } from '../chain.js';
import type { SegmentRecord } from '../segments.js';

export interface CursorPage {
  readonly entries: LedgerEntry[];
  /** The last entry ends its transaction. */
  readonly complete: boolean;
  /** Nothing is left in the segment. */
  readonly exhausted: boolean;
}

/** Reads one archived segment from a seq on, a page at a time, with one entry of lookahead. */
export class ArchiveCursor {
  private readonly entries: AsyncGenerator<LedgerEntry>;
  private peeked: LedgerEntry | undefined;
  private finished = false;

  constructor(
    archive: Archive,
    readonly segment: SegmentRecord,
    private readonly fromSeq: number,
  ) {
    this.entries = archive.read(segment);
  }

  async next(limit: number): Promise<CursorPage> {
    const page: LedgerEntry[] = [];
    while (page.length < limit) {
      const entry = await this.take();
      if (entry === undefined) break;
      if (entry.seq >= this.fromSeq) page.push(entry);
    }
    // Finish the last transaction if it is not huge, so pages end on transaction boundaries.
    let following = await this.peek();
    while (following !== undefined && following.txId === page.at(-1)?.txId && page.length < limit * 4) {
      page.push(following);
      await this.take();
      following = await this.peek();
    }
    return {
      entries: page,
      complete: following === undefined || following.txId !== page.at(-1)?.txId,
      exhausted: following === undefined,
    };
  }

  async close(): Promise<void> {
    this.finished = true;
    await this.entries.return(undefined);
  }

  private async take(): Promise<LedgerEntry | undefined> {
    const entry = await this.peek();
    this.peeked = undefined;
    return entry;
  }

  private async peek(): Promise<LedgerEntry | undefined> {
    if (this.peeked === undefined && !this.finished) {
      const result = await this.entries.next();
      if (result.done) this.finished = true;
      else this.peeked = result.value;
    }
    return this.peeked;
  }
}
