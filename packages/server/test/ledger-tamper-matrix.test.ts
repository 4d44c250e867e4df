// The tamper matrix of issue 14, automated: a stopped data directory (1,490 entries, a head every
// 50, sealed segments of 200 with one expired by retention, a real signing key) is built once;
// each case copies it, tampers the copy the way someone who can write the directory but does not
// hold the key can, and verifies it as `cortex ledger verify` does: once with a head exported
// before the tampering (`--trusted-head`), once without any head from outside.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createArchive, segmentFile } from '../src/ledger/archive.js';
import { hashEntry, type LedgerEntry } from '../src/ledger/chain.js';
import { DEV_KEY_PATH } from '../src/ledger/dev-key.js';
import { createHeadSigner } from '../src/ledger/head-signer.js';
import { headHash, headText, parseHead } from '../src/ledger/heads.js';
import type { LedgerEvent } from '../src/ledger/index.js';
import { frontierIds } from '../src/ledger/merkle.js';
import { createSigner, publicKeyFromSecret, tipMacFromSecret } from '../src/ledger/signing.js';
import { openLedgerStores } from '../src/ledger/stores.js';
import { openDataDirLedger } from '../src/ledger/test-helpers.js';
import { TRUSTED_HEAD_PATH } from '../src/ledger/trusted-heads.js';
import { verifyDataDir } from '../src/ledger/verify-data-dir.js';
import { rebuildTree } from '../src/ledger/verify/tamper-test-helpers.js';
import { entryFromTuple, ENTRY_COLUMNS, type EntryTuple } from '../src/ledger/rows.js';
import type { Db } from '../src/storage/index.js';

const SECRET = 'tamper-matrix-signing-key-0123456789abcdef';
const KEY_ID = 'm1';
const ENV = {
  CORTEX_SIGNING_KEY: SECRET,
  CORTEX_SIGNING_KEY_ID: KEY_ID,
  CORTEX_LEDGER_CHECKPOINT_ENTRIES: '50',
  CORTEX_LEDGER_CHECKPOINT_INTERVAL_MS: '86400000',
  CORTEX_LEDGER_SEGMENT_ENTRIES: '200',
  CORTEX_LEDGER_LIVE_SEGMENTS: '1',
  CORTEX_LEDGER_ARCHIVE_RETENTION_DAYS: '1',
};
const TRUSTED = new Map([[publicKeyFromSecret(SECRET), KEY_ID]]);
const TX_SIZES = [1, 2, 3, 5, 1, 4, 7, 2, 1, 1, 6];
const DAY = 86_400_000;

interface Segment {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly expired: boolean;
}

/** What the cases need to know about the fixture. */
interface Facts {
  readonly dir: string;
  /** The same directory after phase 1: an older copy of itself, consistent in itself. */
  readonly older: string;
  readonly last: number;
  readonly heads: number[];
  readonly segments: Segment[];
  /** The last seq retention deleted. */
  readonly expiredThrough: number;
  /** The oldest seq still in the live database. */
  readonly liveOldest: number;
  /** The head exported before any tampering (what --trusted-head gets). */
  readonly trustedHead: string;
  /** The entry retention appended when it deleted the first segment. */
  readonly expiryRecord: number;
}

/** Builds the data directory with the ledger subsystem itself, on a clock the test moves. */
async function buildFixture(dir: string, older: string): Promise<Facts> {
  let now = 1_750_000_000_000;
  let counter = 0;
  const event = (): LedgerEvent => {
    counter += 1;
    return {
      namespace: counter % 3 === 0 ? 'team-b' : 'team-a',
      actor: `agent-${counter % 5}`,
      action: counter % 4 === 0 ? 'memory.forgotten' : 'memory.created',
      subject: `m-${counter}`,
      agentId: `agent-${counter % 5}`,
      payload: { contentHash: createHash('sha256').update(String(counter)).digest('hex'), note: 'é ✓' },
      correlationId: `req-${counter}`,
    };
  };
  const run = async (until: number, onSealed?: () => void) => {
    const opened = await openDataDirLedger(dir, ENV, { clock: () => now });
    const { db, transact, system } = opened;
    for (let i = 0; system.ledger.head().seq < until; i += 1) {
      const size = Math.min(TX_SIZES[i % TX_SIZES.length]!, until - system.ledger.head().seq);
      transact((tx) => system.ledger.append(tx, Array.from({ length: size }, event)));
      now += 1000;
      if (i % 20 === 19) {
        await system.maintenance.runOnce();
        if (onSealed && openLedgerStores(db).segments.all().length > 0) {
          onSealed();
          onSealed = undefined;
        }
      }
    }
    await system.maintenance.runOnce();
    await opened.close();
  };
  // The first segment's entries are two days older than the rest: retention deletes it.
  await run(1400, () => {
    now += 2 * DAY;
  });
  cpSync(dir, older, { recursive: true });
  await run(1490);

  const db = new Database(join(dir, 'cortex.db'), { readonly: true });
  const stores = openLedgerStores(db);
  let expiryRecord = 0;
  for (const segment of stores.segments.archived()) {
    for await (const entry of createArchive(join(dir, 'ledger', 'archive')).read(segment)) {
      if (entry.action === 'ledger.segments.expired') expiryRecord ||= entry.seq;
    }
  }
  const segments = stores.segments.all().map(({ firstSeq, lastSeq, expired }) => ({ firstSeq, lastSeq, expired }));
  const facts: Facts = {
    dir,
    older,
    last: (db.prepare('SELECT max(seq) AS seq FROM ledger').get() as { seq: number }).seq,
    heads: stores.heads.range(0, Number.MAX_SAFE_INTEGER).map((h) => h.treeSize),
    segments,
    expiredThrough: segments.filter((s) => s.expired).at(-1)?.lastSeq ?? 0,
    liveOldest: (db.prepare('SELECT min(seq) AS seq FROM ledger').get() as { seq: number }).seq,
    trustedHead: readFileSync(join(dir, TRUSTED_HEAD_PATH), 'utf8'),
    expiryRecord,
  };
  db.close();
  return facts;
}

/** A copy of the fixture being tampered with: the database open for writing, the files at hand. */
class Copy {
  readonly db: Db;
  readonly archiveDir: string;

  constructor(
    readonly dir: string,
    readonly f: Facts,
  ) {
    this.db = new Database(join(dir, 'cortex.db'));
    this.archiveDir = join(dir, 'ledger', 'archive');
  }

  sql(query: string, ...params: unknown[]): void {
    this.db.prepare(query).run(...params);
  }

  segmentOf(seq: number): Segment {
    const segment = this.f.segments.find((s) => s.firstSeq <= seq && seq <= s.lastSeq);
    if (!segment) throw new Error(`no segment holds ${seq}`);
    return segment;
  }

  file(segment: Segment, kind: 'data' | 'manifest'): string {
    const name = segmentFile(segment);
    return join(this.archiveDir, kind === 'data' ? name : name.replace('.ndjson.gz', '.manifest'));
  }

  archived(segment: Segment): Array<Record<string, unknown>> {
    return gunzipSync(readFileSync(this.file(segment, 'data')))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  writeArchived(segment: Segment, entries: ReadonlyArray<Record<string, unknown>>): void {
    writeFileSync(this.file(segment, 'data'), gzipSync(`${entries.map((e) => JSON.stringify(e)).join('\n')}\n`));
  }

  editManifest(segment: Segment, edit: (note: string) => string): void {
    writeFileSync(this.file(segment, 'manifest'), edit(readFileSync(this.file(segment, 'manifest'), 'utf8')));
  }

  live(from: number, to: number): LedgerEntry[] {
    return this.db
      .prepare<[number, number], EntryTuple>(`SELECT ${ENTRY_COLUMNS} FROM ledger WHERE seq >= ? AND seq <= ? ORDER BY seq`)
      .raw(true)
      .all(from, to)
      .map(entryFromTuple);
  }

  /** Every entry still kept, archive and live database merged, by seq. */
  entries(): Map<number, LedgerEntry> {
    const all = new Map<number, LedgerEntry>();
    for (const segment of this.f.segments.filter((s) => !s.expired)) {
      for (const e of this.archived(segment)) all.set(e.seq as number, e as unknown as LedgerEntry);
    }
    for (const e of this.live(0, Number.MAX_SAFE_INTEGER)) all.set(e.seq, e);
    return all;
  }

  /**
   * Rewrites history from `from` on as an attacker without the key would: edits the entries,
   * recomputes every later hash and link, rewrites archived segments and their records
   * (checksum, last hash) and the live rows, and rebuilds the Merkle nodes over them.
   */
  rechain(from: number, edit: (e: LedgerEntry) => LedgerEntry): LedgerEntry[] {
    const all = this.entries();
    let prevHash = all.get(from - 1)?.hash ?? '0'.repeat(64);
    const forged: LedgerEntry[] = [];
    for (let seq = from; all.has(seq); seq += 1) {
      const changed = { ...edit(all.get(seq)!), prevHash };
      const entry = { ...changed, hash: hashEntry(changed) };
      forged.push(entry);
      prevHash = entry.hash;
    }
    const bySeq = new Map(forged.map((e) => [e.seq, e]));
    for (const segment of this.f.segments.filter((s) => !s.expired && s.lastSeq >= from)) {
      this.writeArchived(segment, this.archived(segment).map((e) => ({ ...e, ...(bySeq.get(e.seq as number) ?? {}) })));
      const sha256 = createHash('sha256').update(readFileSync(this.file(segment, 'data'))).digest('hex');
      this.sql('UPDATE ledger_segments SET sha256 = ?, last_hash = ? WHERE first_seq = ?', sha256, bySeq.get(segment.lastSeq)?.hash, segment.firstSeq);
    }
    const update = this.db.prepare('UPDATE ledger SET subject = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const e of forged) update.run(e.subject, e.prevHash, e.hash, e.seq);
    rebuildTree(this.db, from, forged);
    return forged;
  }

  /** Heads re-signed by another key, over the tree as it now stands, chained from the last one kept. */
  resignHeads(from: number, secret: string, keyId: string): void {
    const stores = openLedgerStores(this.db);
    const sizes = stores.heads.range(from, Number.MAX_SAFE_INTEGER).map((h) => h.treeSize);
    this.sql('DELETE FROM ledger_heads WHERE tree_size >= ?', from);
    const signer = createHeadSigner({ heads: stores.heads, tree: stores.tree, signer: createSigner(secret, keyId), origin: 'cortex.ledger', every: 50, clock: () => 1 });
    for (const size of sizes) signer.sign(size, this.entries().get(size)?.hash ?? '0'.repeat(64));
  }

  headNote(treeSize: number): string {
    return (this.db.prepare('SELECT note FROM ledger_heads WHERE tree_size = ?').get(treeSize) as { note: string }).note;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface Case {
  readonly name: string;
  tamper(c: Copy, f: Facts): void;
  /** Where it must be reported: a seq, or an inclusive range of seqs (rewrites are located to a head interval). */
  at(f: Facts): number | [number, number];
  /** Only a head from outside the data directory can show it (a rollback of the whole directory). */
  readonly witnessOnly?: boolean;
}

const COLUMNS = [
  'seq',
  'tx_id',
  'time',
  'namespace',
  'actor',
  'on_behalf_of',
  'action',
  'subject',
  'agent_id',
  'payload',
  'correlation_id',
  'prev_hash',
  'hash',
  'encoding',
] as const;
const FIELDS: Record<(typeof COLUMNS)[number], keyof LedgerEntry> = {
  seq: 'seq',
  tx_id: 'txId',
  time: 'time',
  namespace: 'namespace',
  actor: 'actor',
  on_behalf_of: 'onBehalfOf',
  action: 'action',
  subject: 'subject',
  agent_id: 'agentId',
  payload: 'payload',
  correlation_id: 'correlationId',
  prev_hash: 'prevHash',
  hash: 'hash',
  encoding: 'encoding',
};
const flipHex = (hex: string) => (hex.startsWith('a') ? 'b' : 'a') + hex.slice(1);
const changed = (value: unknown, column: string, seqShift: number): unknown => {
  if (typeof value === 'number') return value + (column === 'seq' ? seqShift : 1);
  const text = String(value);
  if (column === 'prev_hash' || column === 'hash') return flipHex(text);
  if (column === 'payload') return text.replace('}', ',"forged":true}');
  return `${text}x`;
};

/** A seq in the unsealed tail, one in the live copy of the newest archived segment, one only in the archive. */
const tailSeq = (f: Facts) => f.last - 13;
const copySeq = (f: Facts) => f.liveOldest + 7;
const archivedSegment = (f: Facts) => f.segments.filter((s) => !s.expired)[1]!;
const archivedSeq = (f: Facts) => archivedSegment(f).firstSeq + 17;
const newestHead = (f: Facts) => f.heads.at(-1)!;
const headBefore = (f: Facts, seq: number) => f.heads.filter((h) => h < seq).at(-1)!;
const headFrom = (f: Facts, seq: number) => f.heads.find((h) => h >= seq)!;
/** A rewrite from `seq` is located between the last head that still matches and the first that does not. */
const rewriteRange = (f: Facts, seq: number): [number, number] => [headBefore(f, seq) + 1, headFrom(f, seq)];
const middleHead = (f: Facts) => f.heads.find((h) => h > tailSeq(f) - 200)!;

function liveColumnCases(where: string, seq: (f: Facts) => number): Case[] {
  return COLUMNS.map((column) => ({
    name: `${where}: ${column} edited`,
    tamper: (c, f) => {
      const row = c.db.prepare(`SELECT ${column} AS value FROM ledger WHERE seq = ?`).get(seq(f)) as { value: unknown };
      c.sql(`UPDATE ledger SET ${column} = ? WHERE seq = ?`, changed(row.value, column, 1_000_000), seq(f));
    },
    at: seq,
  }));
}

function archivedColumnCases(): Case[] {
  return COLUMNS.map((column) => ({
    name: `archived entry: ${column} edited`,
    tamper: (c, f) => {
      const segment = archivedSegment(f);
      const edit = (e: Record<string, unknown>) => ({ ...e, [FIELDS[column]]: changed(e[FIELDS[column]], column, 1) });
      c.writeArchived(segment, c.archived(segment).map((e) => (e.seq === archivedSeq(f) ? edit(e) : e)));
    },
    at: archivedSeq,
  }));
}

/** Edits one line of a manifest's signed text. */
const manifestLine = (line: number, edit: (text: string) => string): Case['tamper'] => (c, f) =>
  c.editManifest(archivedSegment(f), (note) => note.split('\n').map((l, i) => (i === line ? edit(l) : l)).join('\n'));

const CASES: Case[] = [
  ...liveColumnCases('unsealed entry', tailSeq),
  ...liveColumnCases('live copy of an archived entry', copySeq),
  ...archivedColumnCases(),

  // Rows of the entries table.
  { name: 'entry row deleted', tamper: (c, f) => c.sql('DELETE FROM ledger WHERE seq = ?', tailSeq(f)), at: tailSeq },
  {
    name: 'two entry rows swapped',
    tamper: (c, f) => {
      const [a, b] = c.live(tailSeq(f), tailSeq(f) + 1);
      const put = c.db.prepare('UPDATE ledger SET tx_id = ?, time = ?, subject = ?, payload = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      put.run(b!.txId, b!.time, b!.subject, b!.payload, b!.prevHash, b!.hash, a!.seq);
      put.run(a!.txId, a!.time, a!.subject, a!.payload, a!.prevHash, a!.hash, b!.seq);
    },
    at: tailSeq,
  },
  {
    name: 'forged entry appended after the head, hash, link and Merkle nodes recomputed',
    tamper: (c, f) => {
      const last = c.live(f.last, f.last)[0]!;
      const forged = { ...last, seq: f.last + 1, txId: f.last + 1, subject: 'forged', prevHash: last.hash };
      const entry = { ...forged, hash: hashEntry(forged) };
      const columns = ENTRY_COLUMNS.split(', ');
      c.sql(`INSERT INTO ledger (${ENTRY_COLUMNS}) VALUES (${columns.map(() => '?').join(', ')})`, ...Object.values(entry));
      rebuildTree(c.db, f.last + 1, [entry]);
    },
    at: (f) => f.last + 1,
  },
  { name: 'last entry deleted', tamper: (c, f) => c.sql('DELETE FROM ledger WHERE seq = ?', f.last), at: (f) => f.last },
  { name: 'last 10 entries deleted', tamper: (c, f) => c.sql('DELETE FROM ledger WHERE seq > ?', f.last - 10), at: (f) => f.last - 9 },
  {
    name: 'last 10 entries and their heads deleted',
    tamper: (c, f) => {
      c.sql('DELETE FROM ledger WHERE seq > ?', f.last - 10);
      c.sql('DELETE FROM ledger_heads WHERE tree_size > ?', f.last - 10);
    },
    at: (f) => f.last - 9,
  },
  {
    name: 'truncate the tail and delete its heads: the whole data directory rolled back to an older copy of itself',
    tamper: (c, f) => {
      c.close();
      rmSync(c.dir, { recursive: true, force: true });
      cpSync(f.older, c.dir, { recursive: true });
    },
    at: () => 1401,
    witnessOnly: true,
  },

  // Rewrites with every later hash recomputed and the Merkle tree rebuilt.
  { name: 'tail rewritten, heads kept', tamper: (c, f) => void c.rechain(tailSeq(f), (e) => ({ ...e, subject: 'rewritten' })), at: (f) => rewriteRange(f, tailSeq(f)) },
  {
    name: 'tail rewritten, the heads after it deleted',
    tamper: (c, f) => {
      c.rechain(tailSeq(f), (e) => ({ ...e, subject: 'rewritten' }));
      c.sql('DELETE FROM ledger_heads WHERE tree_size >= ?', tailSeq(f));
    },
    at: (f) => rewriteRange(f, tailSeq(f)),
  },
  {
    name: 'tail rewritten, the heads after it and the data directory head file deleted',
    tamper: (c, f) => {
      c.rechain(tailSeq(f), (e) => ({ ...e, subject: 'rewritten' }));
      c.sql('DELETE FROM ledger_heads WHERE tree_size >= ?', tailSeq(f));
      rmSync(join(c.dir, TRUSTED_HEAD_PATH));
    },
    at: (f) => rewriteRange(f, tailSeq(f)),
  },
  {
    name: 'whole chain rewritten from the oldest kept entry, archive included, heads after it deleted',
    tamper: (c, f) => {
      c.rechain(f.expiredThrough + 3, (e) => ({ ...e, subject: 'rewritten' }));
      c.sql('DELETE FROM ledger_heads WHERE tree_size >= ?', f.expiredThrough + 3);
    },
    at: (f) => [f.expiredThrough + 1, headFrom(f, f.expiredThrough + 3)],
  },
  {
    name: 'archived history rewritten, heads kept',
    tamper: (c, f) => void c.rechain(archivedSeq(f), (e) => ({ ...e, subject: 'rewritten' })),
    at: (f) => [Math.min(archivedSegment(f).firstSeq, headBefore(f, archivedSeq(f)) + 1), headFrom(f, archivedSeq(f))],
  },
  {
    name: 'history rewritten and every later head re-signed with a key planted in the data directory',
    tamper: (c, f) => {
      c.rechain(tailSeq(f) - 100, (e) => ({ ...e, subject: 'rewritten' }));
      writeFileSync(join(c.dir, DEV_KEY_PATH), 'planted-development-key-0123456789abcdef\n');
      c.resignHeads(tailSeq(f) - 100, 'planted-development-key-0123456789abcdef', 'dev');
      writeFileSync(join(c.dir, TRUSTED_HEAD_PATH), c.headNote(newestHead(f)));
    },
    at: (f) => rewriteRange(f, tailSeq(f) - 100),
  },

  // ledger_heads.
  { name: 'newest head deleted', tamper: (c, f) => c.sql('DELETE FROM ledger_heads WHERE tree_size = ?', newestHead(f)), at: newestHead },
  {
    name: 'newest head and the last 10 entries deleted',
    tamper: (c, f) => {
      c.sql('DELETE FROM ledger_heads WHERE tree_size = ?', newestHead(f));
      c.sql('DELETE FROM ledger WHERE seq > ?', f.last - 10);
    },
    at: (f) => f.last - 9,
  },
  { name: 'a head in the middle deleted', tamper: (c, f) => c.sql('DELETE FROM ledger_heads WHERE tree_size = ?', middleHead(f)), at: middleHead },
  { name: 'every head deleted', tamper: (c) => c.sql('DELETE FROM ledger_heads'), at: (f) => f.expiredThrough + 1 },
  {
    name: 'every head deleted, and the data directory head file',
    tamper: (c) => {
      c.sql('DELETE FROM ledger_heads');
      rmSync(join(c.dir, TRUSTED_HEAD_PATH));
    },
    at: (f) => f.expiredThrough + 1,
  },
  {
    name: 'heads after an older one deleted, the head file set back to it, entries kept',
    tamper: (c, f) => {
      const kept = headBefore(f, tailSeq(f) - 60);
      c.sql('DELETE FROM ledger_heads WHERE tree_size > ?', kept);
      writeFileSync(join(c.dir, TRUSTED_HEAD_PATH), c.headNote(kept));
    },
    at: (f) => headFrom(f, headBefore(f, tailSeq(f) - 60) + 1),
  },
  { name: 'head tree_size edited', tamper: (c, f) => c.sql('UPDATE ledger_heads SET tree_size = tree_size + 1 WHERE tree_size = ?', middleHead(f)), at: middleHead },
  {
    name: 'head note: root line edited',
    tamper: (c, f) => c.sql('UPDATE ledger_heads SET note = ? WHERE tree_size = ?', c.headNote(middleHead(f)).replace(/\n[A-Za-z0-9+/]{43}=\n/, `\n${'A'.repeat(43)}=\n`), middleHead(f)),
    at: middleHead,
  },
  {
    name: 'head note: signature edited',
    tamper: (c, f) => c.sql('UPDATE ledger_heads SET note = ? WHERE tree_size = ?', c.headNote(middleHead(f)).replace(/ (\S)(\S+)\n$/, (_, a: string, b: string) => ` ${a === 'A' ? 'B' : 'A'}${b}\n`), middleHead(f)),
    at: middleHead,
  },
  {
    name: 'head note: key name in the signature line edited',
    tamper: (c, f) => c.sql('UPDATE ledger_heads SET note = ? WHERE tree_size = ?', c.headNote(middleHead(f)).replace(`— ${KEY_ID} `, '— m2 '), middleHead(f)),
    at: middleHead,
  },
  {
    name: 'head notes of two heads swapped',
    tamper: (c, f) => {
      const [a, b] = f.heads.filter((h) => h >= middleHead(f));
      const noteA = c.headNote(a!);
      c.sql('UPDATE ledger_heads SET note = ? WHERE tree_size = ?', c.headNote(b!), a);
      c.sql('UPDATE ledger_heads SET note = ? WHERE tree_size = ?', noteA, b);
    },
    at: middleHead,
  },
  {
    name: 'forged head inserted, signed by an untrusted key',
    tamper: (c, f) => {
      const previous = parseHead(c.headNote(headBefore(f, tailSeq(f))))!;
      const lastHash = c.live(tailSeq(f), tailSeq(f))[0]!.hash;
      const fields = { ...previous, treeSize: tailSeq(f), lastHash, previousHead: headHash(previous), nextDue: tailSeq(f) + 50 };
      c.sql('INSERT INTO ledger_heads (tree_size, note) VALUES (?, ?)', tailSeq(f), createSigner('someone-else-0123456789abcdef0123', KEY_ID).signNote(headText(fields)));
    },
    at: tailSeq,
  },
  {
    name: 'genesis head deleted',
    tamper: (c) => c.sql('DELETE FROM ledger_heads WHERE tree_size = 0'),
    at: (f) => f.expiredThrough + 1,
  },

  // ledger_tree.
  {
    name: 'Merkle leaf edited',
    tamper: (c, f) => c.sql('UPDATE ledger_tree SET hash = zeroblob(32) WHERE position = ?', position(0, tailSeq(f) - 1)),
    at: tailSeq,
  },
  {
    name: 'Merkle inner node edited',
    tamper: (c, f) => c.sql('UPDATE ledger_tree SET hash = zeroblob(32) WHERE position = ?', position(3, Math.floor((tailSeq(f) - 1) / 8))),
    at: (f) => (Math.floor((tailSeq(f) - 1) / 8) + 1) * 8,
  },
  { name: 'Merkle node deleted', tamper: (c, f) => c.sql('DELETE FROM ledger_tree WHERE position = ?', position(1, Math.floor((tailSeq(f) - 1) / 2))), at: (f) => (Math.floor((tailSeq(f) - 1) / 2) + 1) * 2 },
  { name: 'Merkle node inserted after the last', tamper: (c, f) => c.sql('INSERT INTO ledger_tree (position, hash) VALUES (?, zeroblob(32))', position(0, f.last)), at: (f) => f.last + 1 },
  {
    name: 'Merkle node under the entries retention deleted edited',
    tamper: (c, f) => {
      const node = frontierIds(f.heads[1]!).at(-1)!;
      c.sql('UPDATE ledger_tree SET hash = zeroblob(32) WHERE position = ?', position(node.level, node.index));
    },
    at: (f) => f.expiredThrough + 1,
  },
  { name: 'Merkle node position edited', tamper: (c, f) => c.sql('UPDATE ledger_tree SET position = position + 1000000000 WHERE position = ?', position(0, tailSeq(f) - 1)), at: tailSeq },

  // ledger_tip.
  { name: 'tip seq edited', tamper: (c) => c.sql('UPDATE ledger_tip SET seq = seq - 1'), at: (f) => f.last },
  { name: 'tip hash edited', tamper: (c, f) => c.sql('UPDATE ledger_tip SET hash = ?', flipHex(c.live(f.last, f.last)[0]!.hash)), at: (f) => f.last },
  { name: 'tip seal edited', tamper: (c) => c.sql("UPDATE ledger_tip SET mac = '00' || substr(mac, 3)"), at: (f) => f.last },
  { name: 'tip row deleted', tamper: (c) => c.sql('DELETE FROM ledger_tip'), at: (f) => f.last },

  // ledger_segments: every column, rows, forged retention.
  { name: 'segment first_seq edited', tamper: (c, f) => c.sql('UPDATE ledger_segments SET first_seq = first_seq + 1 WHERE first_seq = ?', archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment last_seq edited', tamper: (c, f) => c.sql('UPDATE ledger_segments SET last_seq = last_seq - 1 WHERE first_seq = ?', archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment last_time edited', tamper: (c, f) => c.sql('UPDATE ledger_segments SET last_time = last_time + 1 WHERE first_seq = ?', archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment last_hash edited', tamper: (c, f) => c.sql("UPDATE ledger_segments SET last_hash = '0' || substr(last_hash, 2) WHERE first_seq = ?", archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment sha256 edited', tamper: (c, f) => c.sql("UPDATE ledger_segments SET sha256 = '0' || substr(sha256, 2) WHERE first_seq = ?", archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment sha256 set to NULL (half-written)', tamper: (c, f) => c.sql('UPDATE ledger_segments SET sha256 = NULL WHERE first_seq = ?', archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  { name: 'segment row deleted', tamper: (c, f) => c.sql('DELETE FROM ledger_segments WHERE first_seq = ?', archivedSegment(f).firstSeq), at: (f) => archivedSegment(f).firstSeq },
  {
    name: 'segment row inserted over the unsealed tail',
    tamper: (c, f) =>
      c.sql(
        'INSERT INTO ledger_segments (first_seq, last_seq, last_time, last_hash, sha256, expired) VALUES (?, ?, 1, ?, ?, 0)',
        f.segments.at(-1)!.lastSeq + 1,
        f.last,
        '0'.repeat(64),
        '0'.repeat(64),
      ),
    at: (f) => f.segments.at(-1)!.lastSeq + 1,
  },
  {
    name: 'forged retention: expired set on a segment and its files deleted',
    tamper: (c, f) => {
      const segment = f.segments.find((s) => !s.expired)!;
      c.sql('UPDATE ledger_segments SET expired = 1 WHERE first_seq = ?', segment.firstSeq);
      rmSync(c.file(segment, 'data'));
      rmSync(c.file(segment, 'manifest'));
    },
    at: (f) => f.segments.find((s) => !s.expired)!.firstSeq,
  },
  {
    name: 'forged retention: expired set on a segment, files kept',
    tamper: (c, f) => c.sql('UPDATE ledger_segments SET expired = 1 WHERE first_seq = ?', f.segments.find((s) => !s.expired)!.firstSeq),
    at: (f) => f.segments.find((s) => !s.expired)!.firstSeq,
  },
  {
    name: 'forged retention: a later segment expired out of order, files deleted',
    tamper: (c, f) => {
      c.sql('UPDATE ledger_segments SET expired = 1 WHERE first_seq = ?', archivedSegment(f).firstSeq);
      rmSync(c.file(archivedSegment(f), 'data'));
    },
    at: (f) => archivedSegment(f).firstSeq,
  },
  { name: 'retention undone: expired cleared on the expired segment', tamper: (c) => c.sql('UPDATE ledger_segments SET expired = 0 WHERE first_seq = 1'), at: () => 1 },
  {
    name: 'retention record edited',
    tamper: (c, f) => {
      const segment = c.segmentOf(f.expiryRecord);
      c.writeArchived(segment, c.archived(segment).map((e) => (e.seq === f.expiryRecord ? { ...e, payload: String(e.payload).replace('"throughSeq":', '"throughSeq":1') } : e)));
    },
    at: (f) => f.expiryRecord,
  },

  // Manifests: every line and the signature.
  { name: 'manifest format line edited', tamper: manifestLine(0, () => 'cortex.ledger.segment.v1'), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest first seq edited', tamper: manifestLine(1, (l) => String(Number(l) + 1)), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest last seq edited', tamper: manifestLine(2, (l) => String(Number(l) - 1)), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest time edited', tamper: manifestLine(3, (l) => `${l}1`), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest last hash edited', tamper: manifestLine(4, (l) => `last ${flipHex(l.slice(5))}`), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest sha256 edited', tamper: manifestLine(5, (l) => `sha256 ${flipHex(l.slice(7))}`), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest signature edited', tamper: manifestLine(7, (l) => l.replace(/ (\S)(\S+)$/, (_, a: string, b: string) => ` ${a === 'A' ? 'B' : 'A'}${b}`)), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest signature line removed', tamper: (c, f) => c.editManifest(archivedSegment(f), (note) => note.split('\n\n')[0]! + '\n'), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest emptied', tamper: (c, f) => c.editManifest(archivedSegment(f), () => ''), at: (f) => archivedSegment(f).firstSeq },
  { name: 'manifest deleted', tamper: (c, f) => rmSync(c.file(archivedSegment(f), 'manifest')), at: (f) => archivedSegment(f).firstSeq },
  {
    name: 'manifest replaced by another segment’s',
    tamper: (c, f) => c.editManifest(archivedSegment(f), () => readFileSync(c.file(f.segments.filter((s) => !s.expired)[2]!, 'manifest'), 'utf8')),
    at: (f) => archivedSegment(f).firstSeq,
  },
  {
    name: 'manifest re-signed with a key planted in the data directory',
    tamper: (c, f) => {
      writeFileSync(join(c.dir, DEV_KEY_PATH), 'planted-development-key-0123456789abcdef\n');
      const planted = createSigner('planted-development-key-0123456789abcdef', 'dev');
      c.editManifest(archivedSegment(f), (note) => planted.signNote(note.split('\n\n')[0]! + '\n'));
    },
    at: (f) => archivedSegment(f).firstSeq,
  },
  {
    name: 'manifest of a sealed segment planted without a record',
    tamper: (c, f) => {
      const segment = { firstSeq: f.segments.at(-1)!.lastSeq + 1, lastSeq: f.last, expired: false };
      writeFileSync(c.file(segment, 'manifest'), readFileSync(c.file(archivedSegment(f), 'manifest')));
    },
    at: (f) => f.segments.at(-1)!.lastSeq + 1,
  },

  // Archive files.
  { name: 'archived entry deleted', tamper: (c, f) => c.writeArchived(archivedSegment(f), c.archived(archivedSegment(f)).filter((e) => e.seq !== archivedSeq(f))), at: archivedSeq },
  {
    name: 'two archived entries swapped',
    tamper: (c, f) => {
      const entries = c.archived(archivedSegment(f));
      const i = entries.findIndex((e) => e.seq === archivedSeq(f));
      [entries[i], entries[i + 1]] = [entries[i + 1]!, entries[i]!];
      c.writeArchived(archivedSegment(f), entries);
    },
    at: archivedSeq,
  },
  {
    name: 'archive file recompressed (same entries, other bytes)',
    tamper: (c, f) => {
      const lines = c.archived(archivedSegment(f)).map((e) => JSON.stringify(e));
      writeFileSync(c.file(archivedSegment(f), 'data'), gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
    },
    at: (f) => archivedSegment(f).firstSeq,
  },
  {
    name: 'archive file: gzip header byte flipped',
    tamper: (c, f) => {
      const bytes = readFileSync(c.file(archivedSegment(f), 'data'));
      bytes[4] = bytes[4]! ^ 0x01;
      writeFileSync(c.file(archivedSegment(f), 'data'), bytes);
    },
    at: (f) => archivedSegment(f).firstSeq,
  },
  {
    name: 'archive file: an extra field added to an entry, checksum in the record fixed',
    tamper: (c, f) => {
      c.writeArchived(archivedSegment(f), c.archived(archivedSegment(f)).map((e) => (e.seq === archivedSeq(f) ? { ...e, extra: 1 } : e)));
      c.sql('UPDATE ledger_segments SET sha256 = ? WHERE first_seq = ?', createHash('sha256').update(readFileSync(c.file(archivedSegment(f), 'data'))).digest('hex'), archivedSegment(f).firstSeq);
    },
    at: (f) => archivedSegment(f).firstSeq,
  },
  { name: 'archive file deleted', tamper: (c, f) => rmSync(c.file(archivedSegment(f), 'data')), at: (f) => archivedSegment(f).firstSeq },
  { name: 'archive file emptied', tamper: (c, f) => writeFileSync(c.file(archivedSegment(f), 'data'), ''), at: (f) => archivedSegment(f).firstSeq },
  { name: 'archive file replaced by another segment’s', tamper: (c, f) => writeFileSync(c.file(archivedSegment(f), 'data'), readFileSync(c.file(f.segments.filter((s) => !s.expired)[2]!, 'data'))), at: (f) => archivedSegment(f).firstSeq },

  // The data directory's own copy of the last trusted head, and planted keys.
  { name: 'data directory head file deleted', tamper: (c) => rmSync(join(c.dir, TRUSTED_HEAD_PATH)), at: (f) => newestHead(f) + 1 },
  {
    name: 'data directory head file edited',
    tamper: (c) => writeFileSync(join(c.dir, TRUSTED_HEAD_PATH), readFileSync(join(c.dir, TRUSTED_HEAD_PATH), 'utf8').replace(/\ntime (\d+)\n/, (_, t: string) => `\ntime ${Number(t) + 1}\n`)),
    at: newestHead,
  },
  {
    name: 'a development key planted in the data directory (the CLI does not trust it)',
    tamper: (c, f) => {
      writeFileSync(join(c.dir, DEV_KEY_PATH), 'planted-development-key-0123456789abcdef\n');
      c.resignHeads(middleHead(f), 'planted-development-key-0123456789abcdef', 'dev');
      writeFileSync(join(c.dir, TRUSTED_HEAD_PATH), c.headNote(newestHead(f)));
    },
    at: middleHead,
  },
];

function position(level: number, index: number): number {
  let count = 0;
  for (let m = (index + 1) * 2 ** level - 1; m > 0; m = Math.floor(m / 2)) count += m;
  return count + level;
}

describe('ledger tamper matrix', function () {
  this.timeout(120_000);
  let facts: Facts;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'cortex-tamper-'));
    facts = await buildFixture(join(root, 'fixture'), join(root, 'older'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const verify = async (dir: string, trustedHead?: string) => {
    const db = new Database(join(dir, 'cortex.db'), { readonly: true });
    try {
      const { report, consistency } = await verifyDataDir({ db, dataDir: dir, archiveDir: join(dir, 'ledger', 'archive'), trustedKeys: TRUSTED, tipMac: tipMacFromSecret(SECRET), trustedHead });
      return { ...report, ok: report.ok && (consistency?.ok ?? true) };
    } finally {
      db.close();
    }
  };

  it('starts from a fixture that verifies: 1,490 entries, sealed segments, one expired by retention, a head every 50', async () => {
    expect(facts.last).to.be.within(1490, 1500);
    expect(facts.segments.filter((s) => !s.expired).length).to.be.at.least(5);
    expect(facts.expiredThrough).to.be.greaterThan(0);
    expect(facts.expiryRecord).to.be.greaterThan(facts.expiredThrough);
    expect(facts.heads.length).to.be.at.least(28);
    expect(await verify(facts.dir, facts.trustedHead)).to.deep.include({ ok: true, firstBadSeq: 0 });
    expect(await verify(facts.dir)).to.deep.include({ ok: true, firstBadSeq: 0 });
    expect(existsSync(join(facts.older, TRUSTED_HEAD_PATH))).to.equal(true);
  });

  it(`has ${CASES.length} cases`, () => {
    expect(CASES.length).to.be.at.least(98);
    expect(new Set(CASES.map((c) => c.name)).size).to.equal(CASES.length);
  });

  for (const tamperCase of CASES) {
    it(tamperCase.name, async () => {
      const dir = join(root, 'copy');
      rmSync(dir, { recursive: true, force: true });
      cpSync(facts.dir, dir, { recursive: true });
      const copy = new Copy(dir, facts);
      try {
        tamperCase.tamper(copy, facts);
      } finally {
        copy.close();
      }
      const expected = tamperCase.at(facts);
      const [lo, hi] = typeof expected === 'number' ? [expected, expected] : expected;
      const withWitness = await verify(dir, facts.trustedHead);
      expect(withWitness.ok, 'detected with a trusted head from outside').to.equal(false);
      expect(withWitness.firstBadSeq, `with a trusted head: ${withWitness.reason}`).to.be.within(lo, hi);
      const alone = await verify(dir);
      if (tamperCase.witnessOnly) {
        expect(alone.ok, `without an outside head it needs a witness: ${alone.reason}`).to.equal(true);
      } else {
        expect(alone.ok, 'detected without any head from outside').to.equal(false);
        expect(alone.firstBadSeq, `without an outside head: ${alone.reason}`).to.be.within(lo, hi);
      }
    });
  }
});
