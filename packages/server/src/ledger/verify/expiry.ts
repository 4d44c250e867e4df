import type { LedgerEntry } from '../chain.js';
import { LEDGER_ACTOR, SEGMENTS_EXPIRED_ACTION } from '../maintenance.js';
import type { SegmentRecord } from '../segments.js';
import type { Failure } from './walker.js';

/** The ledger entry retention appends before deleting a segment's files. */
export type ExpiryRecord = LedgerEntry;

/** The segments retention deleted: a prefix of them. An expired one after one that is not is a forgery (recordProblems). */
export function expiredPrefix(all: readonly SegmentRecord[]): SegmentRecord[] {
  const kept = all.findIndex((s) => !s.expired);
  return kept < 0 ? [...all] : all.slice(0, kept);
}

export function isExpiryRecord(entry: LedgerEntry): boolean {
  return entry.action === SEGMENTS_EXPIRED_ACTION && entry.actor === LEDGER_ACTOR && entry.namespace === '';
}

/**
 * Expired segments must be exactly what the newest retention entry says was deleted: everything
 * through its `throughSeq`, ending on its `lastHash`. Retention deletes a prefix and records it
 * after the deleted range, so the newest record is always among the entries still kept; a
 * segment marked expired without one (a "forged" expiry, its files deleted) fails here.
 */
export function expiryProblems(all: readonly SegmentRecord[], records: readonly ExpiryRecord[]): Failure[] {
  const expired = expiredPrefix(all);
  const through = expired.at(-1);
  const newest = records.at(-1);
  const recorded = newest === undefined ? undefined : parseRecord(newest.payload);
  if (through === undefined) {
    return recorded === undefined ? [] : [{ seq: 1, reason: `the ledger records retention through seq ${recorded.throughSeq}, but no segment is marked expired` }];
  }
  if (recorded === undefined || recorded.throughSeq < through.lastSeq) {
    const forged = expired.find((s) => s.lastSeq > (recorded?.throughSeq ?? 0)) ?? through;
    return [{ seq: forged.firstSeq, reason: 'segment marked expired, but no ledger entry records its expiry' }];
  }
  if (recorded.throughSeq > through.lastSeq) {
    return [{ seq: through.lastSeq + 1, reason: `the ledger records retention through seq ${recorded.throughSeq}, the segment records through ${through.lastSeq}` }];
  }
  if (recorded.lastHash !== through.lastHash) return [{ seq: through.lastSeq, reason: 'the expired segment record does not match the recorded expiry' }];
  return [];
}

function parseRecord(payload: string): { throughSeq: number; lastHash: string } | undefined {
  try {
    const value = JSON.parse(payload) as { throughSeq?: unknown; lastHash?: unknown };
    return typeof value.throughSeq === 'number' && typeof value.lastHash === 'string' ? { throughSeq: value.throughSeq, lastHash: value.lastHash } : undefined;
  } catch {
    return undefined;
  }
}
