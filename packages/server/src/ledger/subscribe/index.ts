import { CortexError, ErrorReason } from '../../errors.js';
import type { LedgerEntry } from '../chain.js';
import type { TreeHead } from '../heads.js';
import type { Ledger } from '../index.js';
import { filterKey, pack, type StreamMessage, type SubscriptionFilter } from './messages.js';
import { archivedAway, Subscription, type CatchUpSource, type HeadMessage, type Sink, type SubscriptionLimits } from './subscription.js';

export type { Sink, CatchUpSource, SubscriptionLimits } from './subscription.js';
export type { NamespaceSet, StreamMessage, SubscriptionFilter } from './messages.js';

export interface SubscribeOptions {
  /** 0: the oldest available (in the archive too when includeArchived). */
  readonly fromSeq: number;
  /** 0: follow the live tail for ever. */
  readonly toSeq: number;
  readonly filter: SubscriptionFilter;
  readonly includeArchived: boolean;
  readonly heartbeatMs: number;
}

export interface HubStats {
  readonly subscribers: number;
  /** The most entries buffered for any one subscriber right now, and ever. */
  readonly bufferedEntriesMax: number;
  readonly peakBufferedEntries: number;
  readonly peakBufferedBytes: number;
  readonly cutOffs: number;
}

export interface SubscriptionHub {
  /** Starts a subscription; throws OUT_OF_RANGE / UNAVAILABLE before anything is sent. */
  subscribe(options: SubscribeOptions, sink: Sink): { cancel(): void; readonly finished: Promise<void> };
  /** A head the server signed and made durable: to every subscriber following the live tail. */
  offerHead(head: TreeHead): void;
  /** Ends every stream with UNAVAILABLE after flushing, waiting at most flushTimeoutMs for slow clients. */
  close(flushTimeoutMs: number): Promise<void>;
  stats(): HubStats;
}

export interface HubDeps {
  readonly ledger: Pick<Ledger, 'onCommit'>;
  readonly source: Omit<CatchUpSource, 'signedHead'>;
  readonly limits: SubscriptionLimits;
  readonly reportError: (error: unknown) => void;
}

/**
 * Fans committed transactions out to subscribers. The commit listener only appends to
 * per-subscriber queues (bounded; a subscriber over the bound is cut off), so a slow subscriber
 * never slows the writer or the others. Each commit is packed once per distinct filter, and
 * subscribers with equal filters share those message objects, so the transport encodes each
 * once and writes the same bytes to all of them.
 */
export function createSubscriptionHub({ ledger, source: entries, limits, reportError }: HubDeps): SubscriptionHub {
  const subscriptions = new Set<Subscription>();
  let closing = false;
  let peakEntries = 0;
  let peakBytes = 0;
  let cutOffs = 0;
  let latestHead: HeadMessage | undefined;
  const source: CatchUpSource = { ...entries, signedHead: () => latestHead };

  const unsubscribe = ledger.onCommit((committed: readonly LedgerEntry[]) => {
    const packed = new Map<string, StreamMessage[]>();
    const shared = (filter: SubscriptionFilter): StreamMessage[] => {
      const key = filterKey(filter);
      let messages = packed.get(key);
      if (messages === undefined) {
        messages = pack(committed, true, filter, { openTxId: undefined });
        packed.set(key, messages);
      }
      return messages;
    };
    for (const subscription of subscriptions) {
      try {
        subscription.offer(committed, shared);
      } catch (error: unknown) {
        reportError(error);
      }
    }
  });

  const hooks = {
    queued(entries: number, bytes: number) {
      peakEntries = Math.max(peakEntries, entries);
      peakBytes = Math.max(peakBytes, bytes);
    },
    cutOff() {
      cutOffs += 1;
    },
    failed: reportError,
  };

  return {
    subscribe(options, sink) {
      if (closing) {
        throw new CortexError('UNAVAILABLE', 'server is shutting down; retry on another replica', { reason: ErrorReason.SHUTTING_DOWN });
      }
      const head = source.head();
      const oldestLive = source.oldestLiveSeq();
      const firstArchived = options.includeArchived ? source.archivedSegments()[0]?.firstSeq : undefined;
      const oldest = Math.min(firstArchived ?? oldestLive, oldestLive);
      const fromSeq = options.fromSeq || oldest;
      if (fromSeq < oldest) throw archivedAway(oldest, head);
      if (fromSeq > head + 1) {
        throw new CortexError('OUT_OF_RANGE', `from_seq ${fromSeq} is beyond the head ${head} + 1`, {
          reason: ErrorReason.LEDGER_SEQ_BEYOND_HEAD,
          metadata: { headSeq: String(head) },
        });
      }
      const subscription = new Subscription(source, sink, { ...options, fromSeq }, limits, hooks);
      subscriptions.add(subscription);
      void subscription.finished.finally(() => subscriptions.delete(subscription));
      return { cancel: () => subscription.cancel(), finished: subscription.finished };
    },

    offerHead(head) {
      if (head.treeSize <= (latestHead?.head.treeSize ?? -1)) return;
      latestHead = { kind: 'head', head };
      for (const subscription of subscriptions) subscription.offerHead(latestHead);
    },

    async close(flushTimeoutMs) {
      closing = true;
      unsubscribe();
      const error = new CortexError('UNAVAILABLE', 'server is shutting down; resubscribe from the last seq received + 1', {
        reason: ErrorReason.SHUTTING_DOWN,
      });
      const all = [...subscriptions];
      for (const subscription of all) subscription.shutdown(error);
      const finished = Promise.all(all.map((s) => s.finished));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        finished.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), flushTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        for (const subscription of all) subscription.abandon();
        await finished;
      }
    },

    stats() {
      let bufferedEntriesMax = 0;
      for (const subscription of subscriptions) bufferedEntriesMax = Math.max(bufferedEntriesMax, subscription.buffered);
      return {
        subscribers: subscriptions.size,
        bufferedEntriesMax,
        peakBufferedEntries: peakEntries,
        peakBufferedBytes: peakBytes,
        cutOffs,
      };
    },
  };
}
