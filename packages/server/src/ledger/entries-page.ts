import { createHash } from 'node:crypto';
import { CortexError } from '../errors.js';
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
  const fingerprint = createHash('sha256').update(JSON.stringify([query.fromSeq, query.toSeq])).digest('base64url').slice(0, 16);
  const cursor = query.pageToken ? decodeToken(query.pageToken, fingerprint) : undefined;
  const from = cursor?.next ?? (query.fromSeq || oldestSeq);
  const to = cursor?.to ?? (query.toSeq || headSeq);
  if (from < oldestSeq) {
    throw new CortexError('OUT_OF_RANGE', `entries before ${oldestSeq} were moved to the cold archive`, {
      reason: 'LEDGER_ENTRIES_ARCHIVED',
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
    nextPageToken: more ? encodeToken({ next: last.seq + 1, to }, fingerprint) : '',
    headSeq,
    oldestSeq,
  };
}

function encodeToken(cursor: { next: number; to: number }, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, n: cursor.next, t: cursor.to, q: fingerprint })).toString('base64url');
}

function decodeToken(token: string, fingerprint: string): { next: number; to: number } {
  const invalid = (description: string) =>
    new CortexError('INVALID_ARGUMENT', `invalid page_token: ${description}`, {
      reason: 'INVALID_PAGE_TOKEN',
      fieldViolations: [{ field: 'page_token', description }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token returned by this API');
  }
  const { v, n, t, q } = (parsed ?? {}) as Record<string, unknown>;
  if (v !== 1 || !Number.isSafeInteger(n) || !Number.isSafeInteger(t) || typeof q !== 'string') {
    throw invalid('not a token returned by this API');
  }
  if (q !== fingerprint) throw invalid('the request differs from the one that returned this token');
  return { next: n as number, to: t as number };
}
