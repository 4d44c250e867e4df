import { createHash } from 'node:crypto';

/**
 * Canonical encodings (documented in docs/ledger.md so auditors can re-implement them): the UTF-8
 * bytes of a JSON array as produced by JSON.stringify (no whitespace, numbers as integers,
 * strings JSON-escaped), whose first element names the encoding:
 *
 *   1: ["cortex.ledger.v1", seq, tx_id, time_ms, namespace, actor, action, subject, agent_id,
 *       payload_json, correlation_id, prev_hash]
 *   2: ["cortex.ledger.v2", seq, tx_id, time_ms, namespace, actor, on_behalf_of, action, subject,
 *       agent_id, payload_json, correlation_id, prev_hash]
 *
 * hash = lowercase hex SHA-256 of that encoding. Every entry keeps the encoding it was written
 * with, so entries written before version 2 verify as they always did.
 */
export type EncodingVersion = 1 | 2;
/** What new entries are written with. */
export const CURRENT_ENCODING: EncodingVersion = 2;
export const ENCODING_NAMES: Readonly<Record<EncodingVersion, string>> = { 1: 'cortex.ledger.v1', 2: 'cortex.ledger.v2' };
export const GENESIS_HASH = '0'.repeat(64);

export interface LedgerEntry {
  readonly seq: number;
  readonly txId: number;
  /** Milliseconds since the Unix epoch. */
  readonly time: number;
  readonly namespace: string;
  /** The authenticated principal that caused the entry. */
  readonly actor: string;
  /** Who the caller claimed to act for (Record's actor); always empty in encoding 1. */
  readonly onBehalfOf: string;
  readonly action: string;
  readonly subject: string;
  readonly agentId: string;
  /** A JSON object, stored and hashed exactly as these bytes. */
  readonly payload: string;
  readonly correlationId: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly encoding: EncodingVersion;
}

export type UnhashedEntry = Omit<LedgerEntry, 'hash'>;

export function isEncodingVersion(value: unknown): value is EncodingVersion {
  return value === 1 || value === 2;
}

export function canonicalEncoding(entry: UnhashedEntry): string {
  const head = [ENCODING_NAMES[entry.encoding], entry.seq, entry.txId, entry.time, entry.namespace, entry.actor];
  const claim = entry.encoding === 1 ? [] : [entry.onBehalfOf];
  const tail = [entry.action, entry.subject, entry.agentId, entry.payload, entry.correlationId, entry.prevHash];
  return JSON.stringify([...head, ...claim, ...tail]);
}

export function hashEntry(entry: UnhashedEntry): string {
  return createHash('sha256').update(canonicalEncoding(entry), 'utf8').digest('hex');
}
