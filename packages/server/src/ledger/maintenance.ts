import type { Logger } from 'winston';
import type { LedgerConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { createPeriodicJob, yieldToEventLoop } from '../jobs/index.js';
import type { Db } from '../storage/index.js';
import type { Archive } from './archive.js';
import type { LedgerEntry } from './chain.js';
import type { CheckpointStore } from './checkpoints.js';
import type { Ledger } from './index.js';
import type { SegmentStore } from './segments.js';
import type { Checkpoint, Signer } from './signing.js';

/** The ledger's part of the configuration that maintenance reads (config/ledger.ts documents each). */
export type LedgerSettings = Pick<
  LedgerConfig,
  'checkpointEvery' | 'checkpointIntervalMs' | 'segmentEntries' | 'segmentMaxAgeMs' | 'liveSegments' | 'archiveRetentionMs' | 'maintenanceIntervalMs'
>;

export interface LedgerMaintenanceDeps {
  readonly db: Db;
  readonly ledger: Ledger;
  readonly checkpoints: CheckpointStore;
  readonly segments: SegmentStore;
  readonly archive: Archive;
  readonly signer: Signer;
  readonly settings: LedgerSettings;
  readonly clock: () => number;
  readonly logger: Logger;
}

export interface LedgerMaintenance {
  /** Signs the head now if no checkpoint covers it; returns the newest checkpoint. */
  checkpointNow(): Checkpoint | undefined;
  /** One pass: due checkpoint, sealing, pruning, retention. Never runs twice at once. */
  runOnce(): Promise<void>;
  /** While held, archived entries are not removed from the live database (Verify walks it). */
  holdPruning: () => () => void;
  start(): void;
  stop(): Promise<void>;
}

const PAGE = 5000;
const DELETE_CHUNK = 5000;

/** Background work that keeps the ledger signed, sealed, archived and within retention. */
export function createLedgerMaintenance(deps: LedgerMaintenanceDeps): LedgerMaintenance {
  const { db, ledger, checkpoints, segments, archive, signer, settings, clock, logger } = deps;
  const txEnd = db.prepare<[number], { seq: number; tx_id: number }>('SELECT seq, tx_id FROM ledger WHERE seq >= ? ORDER BY seq');
  const timeOf = db.prepare<[number], { time: number }>('SELECT time FROM ledger WHERE seq = ?');
  const deleteRange = db.prepare('DELETE FROM ledger WHERE seq >= ? AND seq <= ?');

  let holds = 0;
  let running: Promise<void> | undefined;
  let stopped = false;

  const checkpointNow = (): Checkpoint | undefined =>
    db.transaction(() => {
      const head = ledger.head();
      const latest = checkpoints.latest();
      if (head.seq === 0 || (latest && latest.seq >= head.seq)) return latest;
      const cp = signer.sign(head.seq, head.hash, clock());
      checkpoints.insert(cp);
      return cp;
    }).immediate();

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

  async function seal(last: number): Promise<void> {
    const first = (segments.last()?.lastSeq ?? 0) + 1;
    const lastEntry = ledger.entries(last, last, 1)[0];
    if (lastEntry === undefined) throw new Error(`cannot seal: entry ${last} is not in the live database`);
    // The manifest carries a signature over the segment's end, so the file stands on its own.
    let checkpoint = checkpoints.at(last);
    if (checkpoint === undefined) {
      checkpoint = signer.sign(last, lastEntry.hash, clock());
      checkpoints.insert(checkpoint);
    }
    const record = await archive.write(pagesOf(first, last), checkpoint, clock());
    if (record.firstSeq !== first || record.lastSeq !== last) {
      throw new Error(`sealed segment ${record.firstSeq}..${record.lastSeq}, expected ${first}..${last}`);
    }
    segments.insert(record);
    logger.info('ledger segment archived', { firstSeq: first, lastSeq: last, bytes: record.bytes, file: record.file });
  }

  /** Removes archived entries from the live database, keeping the newest `liveSegments`. */
  async function prune(): Promise<void> {
    const live = segments.archived().filter((s) => s.live);
    for (const segment of live.slice(0, Math.max(0, live.length - settings.liveSegments))) {
      for (let from = segment.firstSeq; from <= segment.lastSeq; from += DELETE_CHUNK) {
        if (holds > 0 || stopped || !db.open) return;
        deleteRange.run(from, Math.min(segment.lastSeq, from + DELETE_CHUNK - 1));
        await yieldToEventLoop();
      }
      segments.markPruned(segment.firstSeq);
    }
  }

  async function expire(): Promise<void> {
    if (settings.archiveRetentionMs <= 0) return;
    const cutoff = clock() - settings.archiveRetentionMs;
    for (const segment of segments.archived()) {
      if (segment.live || segment.lastTime >= cutoff) break;
      await archive.remove(segment);
      segments.markExpired(segment.firstSeq, clock());
      logger.info('ledger segment expired by retention', { firstSeq: segment.firstSeq, lastSeq: segment.lastSeq });
    }
  }

  async function pass(): Promise<void> {
    const latest = checkpoints.latest();
    if (ledger.head().seq > (latest?.seq ?? 0) && clock() - (latest?.time ?? 0) >= settings.checkpointIntervalMs) {
      checkpointNow();
    }
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
    start: schedule.start,
    async stop() {
      stopped = true;
      await schedule.stop();
      await running?.catch(() => undefined);
    },
  };
}
