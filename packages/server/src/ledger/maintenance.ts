import type { Logger } from 'winston';
import type { LedgerConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { createPeriodicJob, yieldToEventLoop } from '../jobs/index.js';
import type { Db, Transact } from '../storage/index.js';
import { segmentFile, type Archive } from './archive.js';
import type { LedgerEntry } from './chain.js';
import type { HeadSigner } from './head-signer.js';
import type { TreeHead } from './heads.js';
import type { Ledger } from './index.js';
import type { SegmentRecord, SegmentStore } from './segments.js';
import type { Signer } from './signing.js';

/** The ledger's part of the configuration that maintenance reads (config/ledger.ts documents each). */
export type LedgerSettings = Pick<
  LedgerConfig,
  'checkpointEvery' | 'checkpointIntervalMs' | 'segmentEntries' | 'segmentMaxAgeMs' | 'liveSegments' | 'archiveRetentionMs' | 'maintenanceIntervalMs'
>;

export interface LedgerMaintenanceDeps {
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly heads: HeadSigner;
  readonly segments: SegmentStore;
  readonly archive: Archive;
  readonly signer: Signer;
  readonly settings: LedgerSettings;
  readonly clock: () => number;
  readonly logger: Logger;
  /** False while the ledger is refused (failed integrity check): nothing is signed, sealed or deleted. */
  readonly writable: () => boolean;
  /** Makes a head signed here known: durable, in the trusted-head files, to subscribers. */
  readonly publish: (head: TreeHead) => Promise<void>;
}

export interface LedgerMaintenance {
  /** Signs the head now if no head covers the last entry; returns the newest head. */
  checkpointNow(): TreeHead | undefined;
  /** One pass: due head, sealing, pruning, retention. Never runs twice at once. */
  runOnce(): Promise<void>;
  /** While held, archived entries are not removed from the live database (Verify walks it). */
  readonly holdPruning: () => () => void;
  start(): void;
  /** Stops the job, then signs and publishes a head over the last entry, so a clean stop leaves no unsigned tail. */
  stop(): Promise<void>;
}

/** Who the ledger names as the actor of the entries it appends itself. */
export const LEDGER_ACTOR = 'system:ledger';
export const SEGMENTS_EXPIRED_ACTION = 'ledger.segments.expired';

const PAGE = 5000;
const DELETE_CHUNK = 5000;

/** Background work that keeps the ledger signed, sealed, archived and within retention. */
export function createLedgerMaintenance(deps: LedgerMaintenanceDeps): LedgerMaintenance {
  const { db, transact, ledger, heads, segments, archive, signer, settings, clock, logger, writable, publish } = deps;
  const txEnd = db.prepare<[number], { seq: number; tx_id: number }>('SELECT seq, tx_id FROM ledger WHERE seq >= ? ORDER BY seq');
  const timeOf = db.prepare<[number], { time: number }>('SELECT time FROM ledger WHERE seq = ?');
  const deleteRange = db.prepare('DELETE FROM ledger WHERE seq >= ? AND seq <= ?');

  let holds = 0;
  let running: Promise<void> | undefined;
  let stopped = false;

  const checkpointNow = (): TreeHead | undefined => {
    const { head, signed } = db
      .transaction(() => {
        const newest = heads.newest();
        const last = ledger.head();
        if (newest !== undefined && newest.treeSize >= last.seq) return { head: newest, signed: false };
        return { head: heads.sign(last.seq, last.hash), signed: true };
      })
      .immediate();
    if (signed) void publish(head);
    return head;
  };

  /** The last seq of the transaction that contains `seq`: segments never split a transaction. */
  function endOfTransaction(seq: number): number {
    let end = seq;
    let txId: number | undefined;
    for (const row of txEnd.iterate(seq)) {
      txId ??= row.tx_id;
      if (row.tx_id !== txId) break;
      end = row.seq;
    }
    return end;
  }

  function nextSegmentEnd(): number | undefined {
    const firstUnsealed = (segments.last()?.lastSeq ?? 0) + 1;
    const head = ledger.head().seq;
    if (head < firstUnsealed) return undefined;
    if (head - firstUnsealed + 1 >= settings.segmentEntries) return endOfTransaction(firstUnsealed + settings.segmentEntries - 1);
    const oldest = timeOf.get(firstUnsealed)?.time;
    if (oldest !== undefined && clock() - oldest >= settings.segmentMaxAgeMs) return head;
    return undefined;
  }

  async function* pagesOf(first: number, last: number): AsyncGenerator<readonly LedgerEntry[]> {
    for (let from = first; from <= last; from += PAGE) {
      yield ledger.entries(from, Math.min(last, from + PAGE - 1), PAGE);
      await yieldToEventLoop();
    }
  }

  /** Records the segment first (pending), then writes its files: a manifest never lacks a record. */
  async function seal(last: number): Promise<void> {
    const first = (segments.last()?.lastSeq ?? 0) + 1;
    const lastEntry = ledger.entries(last, last, 1)[0];
    if (lastEntry === undefined) throw new Error(`cannot seal: entry ${last} is not in the live database`);
    segments.insertPending({ firstSeq: first, lastSeq: last, lastTime: lastEntry.time, lastHash: lastEntry.hash });
    await writeFiles({ firstSeq: first, lastSeq: last, lastTime: lastEntry.time, lastHash: lastEntry.hash });
  }

  async function writeFiles(segment: Omit<SegmentRecord, 'sha256' | 'expired'>): Promise<void> {
    const sha256 = await archive.write(segment, pagesOf(segment.firstSeq, segment.lastSeq), signer.signNote);
    segments.complete(segment.firstSeq, sha256);
    logger.info('ledger segment archived', { firstSeq: segment.firstSeq, lastSeq: segment.lastSeq, file: segmentFile(segment) });
  }

  /** Removes archived entries from the live database, keeping the newest `liveSegments`. */
  async function prune(): Promise<void> {
    const oldestLive = ledger.oldestLiveSeq();
    const live = segments.archived().filter((s) => s.lastSeq >= oldestLive);
    for (const segment of live.slice(0, Math.max(0, live.length - settings.liveSegments))) {
      for (let from = Math.max(segment.firstSeq, oldestLive); from <= segment.lastSeq; from += DELETE_CHUNK) {
        if (holds > 0 || stopped || !db.open) return;
        deleteRange.run(from, Math.min(segment.lastSeq, from + DELETE_CHUNK - 1));
        await yieldToEventLoop();
      }
    }
  }

  /** Deletes archived segments past retention, each recorded first by a ledger entry (the anchor verification starts from). */
  async function expire(): Promise<void> {
    if (settings.archiveRetentionMs <= 0) return;
    const cutoff = clock() - settings.archiveRetentionMs;
    for (const segment of segments.archived()) {
      if (segment.lastSeq >= ledger.oldestLiveSeq() || segment.lastTime >= cutoff || stopped) break;
      transact((tx) => {
        ledger.append(tx, [
          {
            namespace: '',
            actor: LEDGER_ACTOR,
            action: SEGMENTS_EXPIRED_ACTION,
            subject: segmentFile(segment),
            payload: { throughSeq: segment.lastSeq, lastHash: segment.lastHash },
          },
        ]);
        segments.markExpired(segment.firstSeq);
      });
      await archive.remove(segment);
      logger.info('ledger segment expired by retention', { firstSeq: segment.firstSeq, lastSeq: segment.lastSeq });
    }
  }

  async function pass(): Promise<void> {
    if (!writable()) return;
    const newest = heads.newest();
    if (ledger.head().seq > (newest?.treeSize ?? 0) && clock() - (newest?.time ?? 0) >= settings.checkpointIntervalMs) {
      checkpointNow();
    }
    const pending = segments.last();
    if (pending?.sha256 === null) await writeFiles(pending);
    for (let end = nextSegmentEnd(); end !== undefined && !stopped; end = nextSegmentEnd()) await seal(end);
    await prune();
    await expire();
  }

  const runOnce = (): Promise<void> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = createPeriodicJob({
    intervalMs: settings.maintenanceIntervalMs,
    run: runOnce,
    onError: (error) => logger.error('ledger maintenance failed', { error: errorMessage(error) }),
  });

  return {
    checkpointNow,
    runOnce,
    holdPruning() {
      holds += 1;
      let released = false;
      return () => {
        if (!released) holds -= 1;
        released = true;
      };
    },
    start: () => schedule.start(),
    async stop() {
      stopped = true;
      await schedule.stop();
      await running?.catch(() => undefined);
      if (!writable() || !db.open) return;
      const head = checkpointNow();
      if (head) await publish(head);
    },
  };
}
