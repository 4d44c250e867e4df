import { CortexError, ErrorReason } from '../errors.js';
import { decodePageToken, encodePageToken, queryFingerprint } from '../page-token.js';
import type { LedgerEntry } from './chain.js';
import type { Ledger } from './index.js';
import { approximateBytes } from './rows.js';

export interface EntriesQuery {
  /** 0: the oldest entry still in the live database. */
  readonly fromSeq: number;
  /** 0: the head when the first page was read (pinned in the page token). */
  readonly toSeq: number;
  readonly pageSize: number;
  readonly pageToken: string;
}

export interface EntriesPage {
  readonly entries: LedgerEntry[];
  readonly nextPageToken: string;
  readonly headSeq: number;
  readonly oldestSeq: number;
}

/** Keeps a page under the default 4 MiB a gRPC client accepts, whatever the payloads. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;

/** One page of live entries; archived ones are OUT_OF_RANGE (Subscribe with include_archived replays them). */
export function readEntriesPage(ledger: Pick<Ledger, 'head' | 'oldestLiveSeq' | 'entries'>, query: EntriesQuery): EntriesPage {
  const headSeq = ledger.head().seq;
  const oldestSeq = ledger.oldestLiveSeq();
  const fingerprint = queryFingerprint([query.fromSeq, query.toSeq]);
  const cursor = query.pageToken ? decodePageToken(query.pageToken, fingerprint, isEntriesCursor) : undefined;
  const from = cursor?.next ?? (query.fromSeq || oldestSeq);
  const to = cursor?.to ?? (query.toSeq || headSeq);
  if (from < oldestSeq) {
    throw new CortexError('OUT_OF_RANGE', `entries before ${oldestSeq} were moved to the cold archive`, {
      reason: ErrorReason.LEDGER_ENTRIES_ARCHIVED,
      metadata: { oldestSeq: String(oldestSeq), headSeq: String(headSeq) },
    });
  }
  const rows = from <= to ? ledger.entries(from, to, query.pageSize) : [];
  let bytes = 0;
  let take = 0;
  for (const row of rows) {
    bytes += approximateBytes(row);
    if (take > 0 && bytes > MAX_PAGE_BYTES) break;
    take += 1;
  }
  const entries = rows.slice(0, take);
  const last = entries.at(-1);
  const more = last !== undefined && last.seq < to;
  return {
    entries,
    nextPageToken: more ? encodePageToken({ next: last.seq + 1, to } satisfies EntriesCursor, fingerprint) : '',
    headSeq,
    oldestSeq,
  };
}

/** Where GetEntries stopped: the next seq, and the range end pinned by the first page. */
interface EntriesCursor {
  readonly next: number;
  readonly to: number;
}

function isEntriesCursor(value: Readonly<Record<string, unknown>>): value is EntriesCursor & Readonly<Record<string, number | string>> {
  return Number.isSafeInteger(value.next) && Number.isSafeInteger(value.to);
}
