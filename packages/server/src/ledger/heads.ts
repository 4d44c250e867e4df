import { createHash } from 'node:crypto';
import type { Db, Statement } from '../storage/index.js';
import { noteKeyId, noteText } from './note.js';

/**
 * Signed tree heads: the ledger's checkpoints. The signed text is a C2SP checkpoint
 * (https://c2sp.org/tlog-checkpoint) with four Cortex extension lines, exactly:
 *
 *   <origin>
 *   <tree size>
 *   <base64 of the 32-byte RFC 9162 root>
 *   time <milliseconds since the Unix epoch when it was signed>
 *   last <hex hash of entry tree size; 64 zeros for an empty tree>
 *   prev <hex SHA-256 of the previous head's text; 64 zeros for the first head>
 *   next <the tree size by which the next head is due>
 *
 * wrapped in a signed note (note.ts). The heads form a chain through `prev`, and `next` says
 * where the following one must be, so deleted heads leave evidence.
 */
export interface TreeHead {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly time: number;
  readonly lastHash: string;
  readonly previousHead: Buffer;
  readonly nextDue: number;
  readonly keyId: string;
  /** The signed note: text, blank line, signature line. */
  readonly note: string;
}

export type HeadFields = Omit<TreeHead, 'keyId' | 'note'>;

export const NO_PREVIOUS_HEAD = Buffer.alloc(32);

export function headText(head: HeadFields): string {
  return [
    head.origin,
    String(head.treeSize),
    head.rootHash.toString('base64'),
    `time ${head.time}`,
    `last ${head.lastHash}`,
    `prev ${head.previousHead.toString('hex')}`,
    `next ${head.nextDue}`,
    '',
  ].join('\n');
}

/** What `prev` of the next head names: SHA-256 of this head's text. */
export function headHash(head: Pick<TreeHead, 'note'>): Buffer {
  return createHash('sha256').update(noteText(head.note), 'utf8').digest();
}

const HEAD_LINES = [
  /^[^\n]+$/,
  /^(0|[1-9]\d{0,15})$/,
  /^[A-Za-z0-9+/]{43}=$/,
  /^time \d{1,16}$/,
  /^last [0-9a-f]{64}$/,
  /^prev [0-9a-f]{64}$/,
  /^next \d{1,16}$/,
];

/** Parses a signed head without checking its signature; undefined unless it is exactly in the format above. */
export function parseHead(note: string): TreeHead | undefined {
  const text = noteText(note);
  const lines = text.split('\n').slice(0, -1);
  if (lines.length !== HEAD_LINES.length || lines.some((line, i) => !HEAD_LINES[i]!.test(line))) return undefined;
  const value = (i: number) => lines[i]!.slice(lines[i]!.indexOf(' ') + 1);
  const head: TreeHead = {
    origin: lines[0]!,
    treeSize: Number(lines[1]),
    rootHash: Buffer.from(lines[2]!, 'base64'),
    time: Number(value(3)),
    lastHash: value(4),
    previousHead: Buffer.from(value(5), 'hex'),
    nextDue: Number(value(6)),
    keyId: noteKeyId(note),
    note,
  };
  return headText(head) === text ? head : undefined;
}

/** A row of ledger_heads: the tree size it is keyed by, and the note as stored. */
export interface StoredHead {
  readonly treeSize: number;
  readonly note: string;
}

export interface HeadStore {
  insert(head: TreeHead): void;
  newest(): StoredHead | undefined;
  at(treeSize: number): StoredHead | undefined;
  /** The newest head with a tree size below this one. */
  before(treeSize: number): StoredHead | undefined;
  /** Heads with from <= tree size <= to, ascending. */
  range(from: number, to: number): StoredHead[];
}

interface HeadRow {
  tree_size: number;
  note: string;
}

/** Owns ledger_heads. Reads only until a write is asked for, so it works on a read-only database (the CLI). */
export function createHeadStore(db: Db): HeadStore {
  const newest = db.prepare<[], HeadRow>('SELECT tree_size, note FROM ledger_heads ORDER BY tree_size DESC LIMIT 1');
  const at = db.prepare<[number], HeadRow>('SELECT tree_size, note FROM ledger_heads WHERE tree_size = ?');
  const before = db.prepare<[number], HeadRow>('SELECT tree_size, note FROM ledger_heads WHERE tree_size < ? ORDER BY tree_size DESC LIMIT 1');
  const range = db.prepare<[number, number], HeadRow>('SELECT tree_size, note FROM ledger_heads WHERE tree_size >= ? AND tree_size <= ? ORDER BY tree_size');
  let insert: Statement<[number, string]> | undefined;
  const stored = (row: HeadRow | undefined): StoredHead | undefined => (row ? { treeSize: row.tree_size, note: row.note } : undefined);
  return {
    insert(head) {
      insert ??= db.prepare('INSERT INTO ledger_heads (tree_size, note) VALUES (?, ?)');
      insert.run(head.treeSize, head.note);
    },
    newest: () => stored(newest.get()),
    at: (treeSize) => stored(at.get(treeSize)),
    before: (treeSize) => stored(before.get(treeSize)),
    range: (from, to) => range.all(from, to).map((row) => stored(row)!),
  };
}
