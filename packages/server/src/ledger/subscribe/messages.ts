import type { LedgerEntry } from '../chain.js';
import type { TreeHead } from '../heads.js';
import { approximateBytes } from '../rows.js';

/** What a subscription sends: the entries of one transaction, a bookmark, or a signed head. */
export type StreamMessage =
  | {
      readonly kind: 'commit';
      readonly txId: number;
      readonly entries: readonly LedgerEntry[];
      /** More entries of this transaction follow in the next message. */
      readonly continued: boolean;
    }
  | {
      readonly kind: 'progress';
      /** Every entry up to this seq that passes the filters has been delivered. */
      readonly headSeq: number;
    }
  | {
      readonly kind: 'head';
      /** Sent after every entry up to its tree size that passes the filters. */
      readonly head: TreeHead;
    };

/** The namespaces a reader may see (its API key's); the ledger needs only the question. */
export interface NamespaceSet {
  covers(namespace: string): boolean;
}

export interface SubscriptionFilter {
  readonly namespace?: string;
  /** The subscriber's readable namespaces: entries of any other never reach it. */
  readonly readable?: NamespaceSet;
  readonly actions?: ReadonlySet<string>;
  readonly agentId?: string;
}

export function isUnfiltered(filter: SubscriptionFilter): boolean {
  return filter.namespace === undefined && filter.readable === undefined && filter.actions === undefined && filter.agentId === undefined;
}

/**
 * Equal only for filters that select the same entries, so subscribers with equal filters share
 * one set of messages per commit (encoded once). Built from every field, so a field added later
 * counts too. An object such as `readable` counts by identity (one per API key), never by its
 * printed form: two tenants must never share a message.
 */
export function filterKey(filter: SubscriptionFilter): string {
  const fields = Object.entries(filter as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => [name, keyOf(value)]);
  return JSON.stringify(fields);
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function keyOf(value: unknown): unknown {
  if (value instanceof Set) return [...(value as Set<string>)].sort();
  if (typeof value !== 'object' || value === null) return value;
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return `object#${id}`;
}

export function matches(filter: SubscriptionFilter, entry: LedgerEntry): boolean {
  return (
    (filter.namespace === undefined || entry.namespace === filter.namespace) &&
    (filter.readable === undefined || filter.readable.covers(entry.namespace)) &&
    (filter.actions === undefined || filter.actions.has(entry.action)) &&
    (filter.agentId === undefined || entry.agentId === filter.agentId)
  );
}

/** Keeps every message under the default 4 MiB a gRPC client accepts. */
export const MAX_MESSAGE_ENTRIES = 1000;
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface PackState {
  /** A transaction some of whose parts went out with continued = true. */
  openTxId: number | undefined;
}

/**
 * Turns consecutive entries (starting at a transaction boundary or inside `state.openTxId`)
 * into commit messages, one transaction per message unless it is too big for one.
 * `lastComplete` says whether the last transaction in `entries` ends there. A transaction
 * whose earlier parts were sent always gets a closing message, even if nothing in the rest
 * passes the filter, so the client is never left waiting for the rest.
 */
export function pack(
  entries: readonly LedgerEntry[],
  lastComplete: boolean,
  filter: SubscriptionFilter,
  state: PackState,
): StreamMessage[] {
  const messages: StreamMessage[] = [];
  const unfiltered = isUnfiltered(filter);
  let start = 0;
  while (start < entries.length) {
    const txId = (entries[start]!).txId;
    let end = start;
    while (end < entries.length && (entries[end]!).txId === txId) end += 1;
    const group = entries.slice(start, end);
    const complete = end < entries.length || lastComplete;
    const selected = unfiltered ? group : group.filter((e) => matches(filter, e));
    const chunks = chunk(selected);
    chunks.forEach((part, i) => {
      messages.push({ kind: 'commit', txId, entries: part, continued: !complete || i < chunks.length - 1 });
    });
    if (complete) {
      if (chunks.length === 0 && state.openTxId === txId) messages.push({ kind: 'commit', txId, entries: [], continued: false });
      state.openTxId = undefined;
    } else if (chunks.length > 0) {
      state.openTxId = txId;
    }
    start = end;
  }
  return messages;
}

function chunk(entries: readonly LedgerEntry[]): LedgerEntry[][] {
  const chunks: LedgerEntry[][] = [];
  let current: LedgerEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = approximateBytes(entry);
    if (current.length > 0 && (current.length >= MAX_MESSAGE_ENTRIES || bytes + size > MAX_MESSAGE_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function messageEntries(message: StreamMessage): number {
  return message.kind === 'commit' ? message.entries.length : 0;
}

export function messageBytes(message: StreamMessage): number {
  if (message.kind === 'commit') return message.entries.reduce((sum, e) => sum + approximateBytes(e), 0);
  return message.kind === 'head' ? message.head.note.length + 100 : 16;
}
