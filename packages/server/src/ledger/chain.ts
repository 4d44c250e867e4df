import { createHash } from 'node:crypto';

/**
 * Canonical encoding, version 1 (documented in docs/ledger.md so auditors can re-implement it):
 * the UTF-8 bytes of the JSON array
 *   ["cortex.ledger.v1", seq, tx_id, time_ms, namespace, actor, action, subject, agent_id,
 *    payload_json, correlation_id, prev_hash]
 * as produced by JSON.stringify (no whitespace, numbers as integers, strings JSON-escaped).
 * hash = lowercase hex SHA-256 of that encoding.
 */
export const ENCODING_VERSION = 'cortex.ledger.v1';
export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerEntry {
  readonly seq: number;
  readonly txId: number;
  /** Milliseconds since the Unix epoch. */
  readonly time: number;
  readonly namespace: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly agentId: string;
  /** A JSON object, stored and hashed exactly as these bytes. */
  readonly payload: string;
  readonly correlationId: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type UnhashedEntry = Omit<LedgerEntry, 'hash'>;

export function canonicalEncoding(entry: UnhashedEntry): string {
  return JSON.stringify([
    ENCODING_VERSION,
    entry.seq,
    entry.txId,
    entry.time,
    entry.namespace,
    entry.actor,
    entry.action,
    entry.subject,
    entry.agentId,
    entry.payload,
    entry.correlationId,
    entry.prevHash,
  ]);
}

export function hashEntry(entry: UnhashedEntry): string {
  return createHash('sha256').update(canonicalEncoding(entry), 'utf8').digest('hex');
}
