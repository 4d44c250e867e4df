import type { Logger } from 'winston';
import { createPeriodicJob } from '../jobs/index.js';
import type { MemoryStore } from './store/index.js';

interface PendingAccess {
  count: number;
  last: number;
}

export interface AccessRecorderDeps {
  readonly store: MemoryStore;
  readonly logger: Logger;
  /** How long reads are gathered before one transaction writes them (default 1000 ms). */
  readonly flushIntervalMs?: number;
}

/**
 * Access statistics (last_accessed_at, access_count) change on every read. Writing them per
 * read put a commit, and now and then a WAL checkpoint, on Recall's path; gathering them and
 * writing once a second keeps reads read-only. Until a flush, `overlay` adds what is pending so
 * callers still see their own access.
 */
export function createAccessRecorder({ store, logger, flushIntervalMs = 1000 }: AccessRecorderDeps) {
  const pending = new Map<number, PendingAccess>();

  function flush(): void {
    if (pending.size === 0) return;
    const entries = [...pending];
    pending.clear();
    try {
      store.addAccesses(entries);
    } catch (error: unknown) {
      // Access statistics only steer tiering: keep them for the next flush rather than fail a read.
      for (const [rowId, access] of entries) merge(rowId, access.count, access.last);
      logger.warn('writing access statistics failed; retrying on the next flush', { error: String(error) });
    }
  }

  function merge(rowId: number, count: number, last: number): void {
    const current = pending.get(rowId);
    if (current === undefined) pending.set(rowId, { count, last });
    else {
      current.count += count;
      current.last = Math.max(current.last, last);
    }
  }

  const flusher = createPeriodicJob({
    intervalMs: flushIntervalMs,
    run: flush,
    onError: (error) => logger.warn('writing access statistics failed', { error: String(error) }),
  });

  return {
    record(rowIds: readonly number[], now: number): void {
      for (const rowId of rowIds) merge(rowId, 1, now);
    },
    /** A row as it will be once pending accesses are written. */
    overlay<Row extends { row_id: number; access_count: number; last_accessed_at: number }>(row: Row): Row {
      const access = pending.get(row.row_id);
      if (access === undefined) return row;
      return { ...row, access_count: row.access_count + access.count, last_accessed_at: Math.max(row.last_accessed_at, access.last) };
    },
    /** Writes what is pending now; maintenance calls it so the policy sees every access. */
    flush,
    /** Starts the periodic flushes. */
    start: flusher.start,
    /** Stops the periodic flushes and writes what is pending. */
    async stop(): Promise<void> {
      await flusher.stop();
      flush();
    },
  };
}

export type AccessRecorder = ReturnType<typeof createAccessRecorder>;
