import type { EncodingVersion, LedgerEntry } from './chain.js';

/** The columns in the order EntryTuple expects. */
export const ENTRY_COLUMNS =
  'seq, tx_id, time, namespace, actor, action, subject, agent_id, payload, correlation_id, prev_hash, hash, on_behalf_of, encoding';
export type EntryTuple = [
  seq: number, txId: number, time: number, namespace: string, actor: string, action: string, subject: string, agentId: string,
  payload: string, correlationId: string, prevHash: string, hash: string, onBehalfOf: string, encoding: EncodingVersion,
];

export function entryFromTuple(t: EntryTuple): LedgerEntry {
  return {
    seq: t[0],
    txId: t[1],
    time: t[2],
    namespace: t[3],
    actor: t[4],
    action: t[5],
    subject: t[6],
    agentId: t[7],
    payload: t[8],
    correlationId: t[9],
    prevHash: t[10],
    hash: t[11],
    onBehalfOf: t[12],
    encoding: t[13],
  };
}

/** Rough in-memory/wire size of an entry, for byte budgets (not exact, never zero). */
export function approximateBytes(entry: LedgerEntry): number {
  return (
    200 +
    entry.namespace.length +
    entry.actor.length +
    entry.onBehalfOf.length +
    entry.action.length +
    entry.subject.length +
    entry.agentId.length +
    entry.payload.length +
    entry.correlationId.length
  );
}
