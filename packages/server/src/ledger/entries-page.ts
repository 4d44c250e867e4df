import { CortexError, ErrorReason } from '../errors.js';
import { decodePageToken, encodePageToken, queryFingerprint } from '../page-token.js';
import type { LedgerEntry } from './chain.js';
import type { Ledger } from './index.js';
import { approximateBytes } from './rows.js';
import type { NamespaceSet } from './subscribe/index.js';

export interface EntriesQuery {
  /** 0: the oldest entry still in the live database. */
  readonly fromSeq: number;
  /** 0: the head when the first page was read (pinned in the page token). */
  readonly toSeq: number;
  readonly pageSize: number;
  readonly pageToken: string;
  /** '': every namespace the reader may see. */
  readonly namespace: string;
  /** The reader's namespaces; entries of others are skipped. Undefined: every entry. */
  readonly readable?: NamespaceSet;
}

export interface EntriesPage {
  readonly entries: LedgerEntry[];
  readonly nextPageToken: string;
  readonly headSeq: number;
  readonly oldestSeq: number;
}

/** Keeps a page under the default 4 MiB a gRPC client accepts, whatever the payloads. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;
/** A filtered page stops after this many entries looked at, so a sparse namespace never stalls the loop. */
const MAX_SCANNED = 10_000;
const SCAN_BATCH = 1000;

/**
 * One page of live entries; archived ones are OUT_OF_RANGE (Subscribe with include_archived
 * replays them). With a namespace or a reader's namespaces, other entries are skipped: the page
 * may then be short, even empty, with a next_page_token that continues after what was looked at.
 */
export function readEntriesPage(ledger: Pick<Ledger, 'head' | 'oldestLiveSeq' | 'entries'>, query: EntriesQuery): EntriesPage {
  const headSeq = ledger.head().seq;
  const oldestSeq = ledger.oldestLiveSeq();
  const fingerprint = queryFingerprint([query.fromSeq, query.toSeq, query.namespace]);
  const cursor = query.pageToken ? decodePageToken(query.pageToken, fingerprint, isEntriesCursor) : undefined;
  const from = cursor?.next ?? (query.fromSeq || oldestSeq);
  const to = cursor?.to ?? (query.toSeq || headSeq);
  if (from < oldestSeq) {
    throw new CortexError('OUT_OF_RANGE', `entries before ${oldestSeq} were moved to the cold archive`, {
      reason: ErrorReason.LEDGER_ENTRIES_ARCHIVED,
      metadata: { oldestSeq: String(oldestSeq), headSeq: String(headSeq) },
    });
  }
  const { entries, lastSeen } = collect(ledger, from, to, query);
  const more = lastSeen !== undefined && lastSeen < to;
  return {
    entries,
    nextPageToken: more ? encodePageToken({ next: lastSeen + 1, to } satisfies EntriesCursor, fingerprint) : '',
    headSeq,
    oldestSeq,
  };
}

/** Up to a page of the entries in [from, to] the query lets through, and the last seq looked at. */
function collect(ledger: Pick<Ledger, 'entries'>, from: number, to: number, query: EntriesQuery) {
  const wanted = (entry: LedgerEntry) =>
    (query.namespace === '' || entry.namespace === query.namespace) && (query.readable?.covers(entry.namespace) ?? true);
  const filtered = query.namespace !== '' || query.readable !== undefined;
  const entries: LedgerEntry[] = [];
  let lastSeen: number | undefined;
  let bytes = 0;
  for (let next = from, scanned = 0; next <= to && scanned < MAX_SCANNED; ) {
    const rows = ledger.entries(next, to, filtered ? SCAN_BATCH : query.pageSize);
    for (const row of rows) {
      if (wanted(row)) {
        bytes += approximateBytes(row);
        if (entries.length > 0 && bytes > MAX_PAGE_BYTES) return { entries, lastSeen };
        entries.push(row);
      }
      lastSeen = row.seq;
      if (entries.length === query.pageSize) return { entries, lastSeen };
    }
    if (rows.length === 0 || !filtered) break;
    scanned += rows.length;
    next = (lastSeen ?? to) + 1;
  }
  return { entries, lastSeen };
}

/** Where GetEntries stopped: the next seq, and the range end pinned by the first page. */
interface EntriesCursor {
  readonly next: number;
  readonly to: number;
}

function isEntriesCursor(value: Readonly<Record<string, unknown>>): value is EntriesCursor & Readonly<Record<string, number | string>> {
  return Number.isSafeInteger(value.next) && Number.isSafeInteger(value.to);
}
