import { performance } from 'node:perf_hooks';
import { CortexError, ErrorReason } from '../../errors.js';
import { yieldToEventLoop } from '../../jobs/index.js';
import type { Archive } from '../archive.js';
import type { LedgerEntry } from '../chain.js';
import type { SegmentRecord } from '../segments.js';
import { ArchiveCursor } from './archive-cursor.js';
import { MAX_MESSAGE_ENTRIES, messageBytes, messageEntries, pack, type PackState, type StreamMessage, type SubscriptionFilter } from './messages.js';

export type HeadMessage = Extract<StreamMessage, { kind: 'head' }>;
/** The messages of one commit for a filter, packed once per distinct filter and shared. */
export type SharedMessages = (filter: SubscriptionFilter) => StreamMessage[];

/** Where a subscription's messages go: the transport, seen through what backpressure needs. */
export interface Sink {
  /** False means the transport buffer is full: write nothing more until onDrain fires. */
  write(message: StreamMessage): boolean;
  onDrain(callback: () => void): void;
  /** Ends the stream with OK after everything written. */
  end(): void;
  /** Ends the stream with this error after everything written. */
  fail(error: CortexError): void;
}

/** What catch-up reads: the live database, then (when asked) the archive. */
export interface CatchUpSource {
  head(): number;
  /** The newest published signed head, as the message every subscriber shares. */
  signedHead(): HeadMessage | undefined;
  oldestLiveSeq(): number;
  entries(fromSeq: number, toSeq: number, limit: number): LedgerEntry[];
  archivedSegments(): SegmentRecord[];
  readonly archive: Archive;
}

export interface SubscriptionLimits {
  /** Entries (and approximate bytes) buffered for one subscriber before it is cut off. */
  readonly maxQueuedEntries: number;
  readonly maxQueuedBytes: number;
  /** Entries read from storage per catch-up step. */
  readonly pageSize: number;
}

export interface ResolvedOptions {
  /** The first seq to deliver (already resolved from 0 and checked). */
  readonly fromSeq: number;
  /** 0: follow for ever. */
  readonly toSeq: number;
  readonly filter: SubscriptionFilter;
  readonly includeArchived: boolean;
  readonly heartbeatMs: number;
}

export interface SubscriptionHooks {
  queued(entries: number, bytes: number): void;
  cutOff(): void;
  /** An unexpected failure; the stream has already been ended with INTERNAL. */
  failed(error: unknown): void;
}

interface Queued {
  readonly message: StreamMessage;
  readonly entries: number;
  readonly bytes: number;
  /** Once this is handed to the sink, everything up to this seq has been delivered. */
  upTo: number;
}

/**
 * One subscriber. A single async loop sends what is queued, reads the next page when catching
 * up, or waits. Catch-up reads are synchronous and the ledger publishes each commit right after
 * it (same thread, no await in between), so the page that reaches the head and the switch to
 * live happen in one tick: no commit falls between them, none is seen twice. `nextSeq` is the
 * next seq to queue; a live commit that does not start there sends the subscription back to
 * catch-up rather than risk a gap.
 */
export class Subscription {
  private mode: 'catchup' | 'live' = 'catchup';
  /** Reached the head at least once (a fresh subscriber replaying history is not "behind"). */
  private caughtUp = false;
  /** Set when the stream should end once the queue is flushed; error undefined means OK. */
  private terminal: { error?: CortexError } | undefined;
  private cancelled = false;
  private nextSeq: number;
  private position: number;
  private readonly queue: Queued[] = [];
  private queuedEntries = 0;
  private queuedBytes = 0;
  private readonly packState: PackState = { openTxId: undefined };
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  private lastSentAt = performance.now();
  private cursor: ArchiveCursor | undefined;
  readonly finished: Promise<void>;

  constructor(
    private readonly source: CatchUpSource,
    private readonly sink: Sink,
    private readonly options: ResolvedOptions,
    private readonly limits: SubscriptionLimits,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.nextSeq = options.fromSeq;
    this.position = options.fromSeq - 1;
    if (options.toSeq > 0 && options.toSeq < options.fromSeq) this.terminal = {};
    this.finished = this.run();
  }

  get buffered(): number {
    return this.queuedEntries;
  }

  /** A committed transaction, straight from the ledger (synchronously after the commit). */
  offer(entries: readonly LedgerEntry[], shared: SharedMessages): void {
    const first = entries[0];
    const last = entries.at(-1);
    if (this.terminal || this.cancelled || first === undefined || last === undefined) return;
    if (this.mode !== 'live') {
      // Reading from storage costs no memory, but a subscriber that was current and now lags
      // the head by more than the bound while its transport is full has fallen behind.
      if (this.caughtUp && this.drained && last.seq - this.position > this.limits.maxQueuedEntries) this.cutOff();
      return;
    }
    if (last.seq < this.nextSeq) return;
    if (first.seq !== this.nextSeq) {
      this.mode = 'catchup';
      this.signal();
      return;
    }
    const { messages, done, lastSeq, upTo } = this.plan(entries, true, shared);
    const count = messages.reduce((n, m) => n + messageEntries(m), 0);
    const bytes = messages.reduce((n, m) => n + messageBytes(m), 0);
    if (this.queuedEntries + count > this.limits.maxQueuedEntries || this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      // Over the bound while the transport is full: a slow consumer. Otherwise it is a burst
      // (or one huge transaction) the loop has not had a turn to send yet: drop the buffer and
      // read the same entries from storage, at the subscriber's pace.
      if (this.drained) this.cutOff();
      else this.rewind();
      return;
    }
    this.enqueue(messages, upTo);
    this.nextSeq = lastSeq + 1;
    if (done) this.terminal = {};
    this.signal();
  }

  /** A newly published head: queued behind the commits it covers, while the stream follows the tail. */
  offerHead(message: HeadMessage): void {
    if (this.terminal || this.cancelled || this.mode !== 'live') return;
    if (this.nextSeq > message.head.treeSize && this.wantsHead(message)) this.enqueueHead(message);
    this.signal();
  }

  /** Server shutdown: flush what is queued, then end with UNAVAILABLE. */
  shutdown(error: CortexError): void {
    this.terminal ??= { error };
    this.signal();
  }

  /** Stop waiting for a client that does not read; end as soon as possible. */
  abandon(): void {
    this.clearQueue();
    this.drained?.();
    this.signal();
  }

  /** The client went away. */
  cancel(): void {
    this.cancelled = true;
    this.clearQueue();
    this.drained?.();
    this.signal();
  }

  private async run(): Promise<void> {
    // Let the caller register the subscription before the first commit can arrive.
    await Promise.resolve();
    try {
      for (;;) {
        if (this.cancelled) return;
        const item = this.queue.shift();
        if (item) {
          await this.send(item);
        } else if (this.terminal) {
          this.finish();
          return;
        } else if (this.mode === 'catchup') {
          await this.catchUp();
        } else {
          await this.idle();
        }
      }
    } catch (error: unknown) {
      if (!this.cancelled) this.sink.fail(CortexError.from(error));
      this.hooks.failed(error);
    } finally {
      this.clearQueue();
      await this.cursor?.close();
    }
  }

  private finish(): void {
    if (this.terminal?.error) {
      this.sink.fail(this.terminal.error);
    } else {
      this.sink.write({ kind: 'progress', headSeq: this.position });
      this.sink.end();
    }
  }

  private async send(item: Queued): Promise<void> {
    this.queuedEntries -= item.entries;
    this.queuedBytes -= item.bytes;
    const ok = this.sink.write(item.message);
    this.lastSentAt = performance.now();
    this.position = Math.max(this.position, item.upTo);
    if (!ok) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        this.sink.onDrain(resolve);
      });
      this.drained = undefined;
    }
  }

  private async catchUp(): Promise<void> {
    // Let I/O run between pages (a filtered catch-up may queue nothing for a long while). The
    // yield comes before the read, never between the read and the switch to live.
    await yieldToEventLoop();
    if (this.cancelled || this.terminal) return;
    if (this.heartbeatDue() && this.packState.openTxId === undefined) this.enqueueProgress();
    const oldestLive = this.source.oldestLiveSeq();
    if (this.nextSeq < oldestLive) {
      await this.catchUpFromArchive(oldestLive);
      return;
    }
    let pageSize = this.limits.pageSize;
    let rows = this.source.entries(this.nextSeq, Number.MAX_SAFE_INTEGER, pageSize + 1);
    if (rows.length > pageSize && rows[0]?.txId === rows[pageSize]?.txId) {
      // One transaction fills the page: read it in parts as big as a message may be.
      pageSize = Math.max(pageSize, MAX_MESSAGE_ENTRIES);
      rows = this.source.entries(this.nextSeq, Number.MAX_SAFE_INTEGER, pageSize + 1);
    }
    const atHead = rows.length <= pageSize;
    let batch = atHead ? rows : rows.slice(0, pageSize);
    let complete = atHead || rows[pageSize]?.txId !== batch.at(-1)?.txId;
    if (!complete) {
      // Leave a transaction cut by the page for the next read, unless it fills the page alone.
      const lastTx = batch.at(-1)?.txId;
      const cut = batch.findIndex((e) => e.txId === lastTx);
      if (cut > 0) {
        batch = batch.slice(0, cut);
        complete = true;
      }
    }
    if (this.accept(batch, complete)) return;
    if (atHead && batch.length === rows.length) {
      this.mode = 'live';
      this.caughtUp = true;
      this.enqueueProgress();
      const head = this.source.signedHead();
      if (head !== undefined && this.wantsHead(head)) this.enqueueHead(head);
    }
  }

  private async catchUpFromArchive(oldestLive: number): Promise<void> {
    if (!this.options.includeArchived) {
      this.terminal = { error: archivedAway(oldestLive, this.source.head()) };
      return;
    }
    if (this.cursor && this.nextSeq > this.cursor.segment.lastSeq) {
      await this.cursor.close();
      this.cursor = undefined;
    }
    if (this.cursor === undefined) {
      const segments = this.source.archivedSegments();
      const segment = segments.find((s) => s.firstSeq <= this.nextSeq && this.nextSeq <= s.lastSeq);
      if (segment === undefined) {
        this.terminal = { error: archivedAway(segments[0]?.firstSeq ?? oldestLive, this.source.head()) };
        return;
      }
      this.cursor = new ArchiveCursor(this.source.archive, segment, this.nextSeq);
    }
    let page;
    try {
      page = await this.cursor.next(this.limits.pageSize);
    } catch (error: unknown) {
      throw new CortexError('INTERNAL', 'the archived ledger segment could not be read', { reason: ErrorReason.LEDGER_ARCHIVE_UNREADABLE, cause: error });
    }
    if (this.cancelled || this.terminal) return;
    this.accept(page.entries, page.complete);
    if (page.exhausted) {
      await this.cursor.close();
      this.cursor = undefined;
    }
  }

  /** Queues catch-up entries; returns true once to_seq has been reached. */
  private accept(entries: readonly LedgerEntry[], complete: boolean): boolean {
    if (entries.length === 0) return false;
    const { messages, done, lastSeq, upTo } = this.plan(entries, complete);
    this.enqueue(messages, upTo);
    this.nextSeq = lastSeq + 1;
    if (done) this.terminal = {};
    return done;
  }

  /** The messages for consecutive entries, cut after the transaction that holds to_seq. */
  private plan(entries: readonly LedgerEntry[], complete: boolean, shared?: SharedMessages) {
    let selected = entries;
    let done = false;
    const { toSeq } = this.options;
    if (toSeq > 0) {
      // tx_id is the seq of a transaction's first entry: later entries with tx_id <= to_seq
      // still belong to the transaction that holds to_seq.
      const cut = entries.findIndex((e) => e.seq > toSeq && e.txId > toSeq);
      if (cut >= 0) {
        selected = entries.slice(0, cut);
        done = true;
      } else if (complete && (entries.at(-1)?.seq ?? 0) >= toSeq) {
        done = true;
      }
    }
    const lastComplete = done || complete;
    // A whole commit, no transaction left open: exactly what every subscriber with this filter sends.
    const sharable = shared !== undefined && this.packState.openTxId === undefined && selected === entries;
    const messages = sharable ? shared(this.options.filter) : pack(selected, lastComplete, this.options.filter, this.packState);
    const lastSeq = selected.at(-1)?.seq ?? this.nextSeq - 1;
    // The bookmark never points inside a transaction that is still being sent.
    const upTo = lastComplete ? lastSeq : (selected.at(-1)?.txId ?? this.nextSeq) - 1;
    return { messages, done, lastSeq, upTo };
  }

  private enqueue(messages: readonly StreamMessage[], upTo: number): void {
    if (messages.length === 0) {
      // Nothing passed the filter: the bookmark still moves, after what is already queued.
      const tail = this.queue.at(-1);
      if (tail) tail.upTo = Math.max(tail.upTo, upTo);
      else this.position = Math.max(this.position, upTo);
      return;
    }
    messages.forEach((message, i) => {
      const item: Queued = {
        message,
        entries: messageEntries(message),
        bytes: messageBytes(message),
        upTo: i === messages.length - 1 ? upTo : this.position,
      };
      this.queue.push(item);
      this.queuedEntries += item.entries;
      this.queuedBytes += item.bytes;
    });
    this.hooks.queued(this.queuedEntries, this.queuedBytes);
  }

  /** Heads within the range asked for, never inside a transaction being sent in parts. */
  private wantsHead(message: HeadMessage): boolean {
    const { toSeq } = this.options;
    return (toSeq === 0 || message.head.treeSize <= toSeq) && this.packState.openTxId === undefined;
  }

  private enqueueHead(message: HeadMessage): void {
    const tail = this.queue.at(-1);
    const upTo = tail ? tail.upTo : this.position;
    this.queue.push({ message, entries: 0, bytes: 0, upTo });
  }

  private enqueueProgress(): void {
    const tail = this.queue.at(-1);
    const upTo = tail ? tail.upTo : this.position;
    this.queue.push({ message: { kind: 'progress', headSeq: upTo }, entries: 0, bytes: 0, upTo });
  }

  private rewind(): void {
    this.clearQueue();
    this.nextSeq = this.position + 1;
    this.mode = 'catchup';
    this.signal();
  }

  private cutOff(): void {
    this.clearQueue();
    const { maxQueuedEntries, maxQueuedBytes } = this.limits;
    this.terminal = {
      error: new CortexError(
        'RESOURCE_EXHAUSTED',
        `subscriber fell behind by more than ${maxQueuedEntries} entries or ${maxQueuedBytes} bytes; resubscribe from the last seq received + 1`,
        {
          reason: ErrorReason.SUBSCRIBER_TOO_SLOW,
          metadata: {
            maxBufferedEntries: String(maxQueuedEntries),
            maxBufferedBytes: String(maxQueuedBytes),
            headSeq: String(this.source.head()),
          },
        },
      ),
    };
    this.hooks.cutOff();
    // The status can go out now: the transport sends it after what it already holds.
    this.drained?.();
    this.signal();
  }

  private async idle(): Promise<void> {
    const wait = this.lastSentAt + this.options.heartbeatMs - performance.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    if (this.queue.length === 0 && !this.terminal && !this.cancelled && this.mode === 'live' && this.heartbeatDue()) {
      this.enqueueProgress();
    }
  }

  private heartbeatDue(): boolean {
    return performance.now() - this.lastSentAt >= this.options.heartbeatMs;
  }

  private signal(): void {
    this.wake?.();
  }

  private clearQueue(): void {
    this.queue.length = 0;
    this.queuedEntries = 0;
    this.queuedBytes = 0;
  }
}

export function archivedAway(oldestSeq: number, headSeq: number): CortexError {
  return new CortexError(
    'OUT_OF_RANGE',
    `entries before ${oldestSeq} were moved to the cold archive; subscribe from ${oldestSeq} or set include_archived`,
    { reason: ErrorReason.LEDGER_ENTRIES_ARCHIVED, metadata: { oldestSeq: String(oldestSeq), headSeq: String(headSeq) } },
  );
}
