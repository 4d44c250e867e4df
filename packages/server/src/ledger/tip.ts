import type { Db, Statement } from '../storage/index.js';

/**
 * The ledger tip: the seq and hash of the last entry, sealed with an HMAC under a key derived from
 * the signing secret, rewritten in every appending transaction (one row, ledger_tip). Entries
 * after the newest signed head (the tail a crash leaves unsigned) are authenticated by it: the
 * chain links them to the tip, and nobody without the secret can move the tip to a forged entry.
 */
export interface Tip {
  readonly seq: number;
  readonly hash: string;
  /** Hex HMAC-SHA256 of tipText(seq, hash). */
  readonly mac: string;
}

export function tipText(seq: number, hash: string): string {
  return `cortex.ledger.tip.v1\n${seq}\n${hash}\n`;
}

export interface TipStore {
  /** Inside the appending transaction. */
  seal(seq: number, hash: string, mac: (text: string) => string): void;
  get(): Tip | undefined;
}

/** Owns ledger_tip. Reads only until a write is asked for, so it works on a read-only database (the CLI). */
export function createTipStore(db: Db): TipStore {
  const get = db.prepare<[], Tip>('SELECT seq, hash, mac FROM ledger_tip WHERE id = 1');
  let upsert: Statement<[number, string, string]> | undefined;
  return {
    seal(seq, hash, mac) {
      upsert ??= db.prepare(
        'INSERT INTO ledger_tip (id, seq, hash, mac) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac',
      );
      upsert.run(seq, hash, mac(tipText(seq, hash)));
    },
    get: () => get.get(),
  };
}

/**
 * What is wrong with the tip of a ledger whose last entry is `last`, or undefined. The MAC is
 * checked only by holders of the secret.
 */
export function tipProblem(tip: Tip | undefined, last: { seq: number; hash: string }, mac?: (text: string) => string): string | undefined {
  if (tip === undefined) return last.seq === 0 ? undefined : 'the ledger tip record is missing';
  if (tip.seq !== last.seq) return `the ledger tip names seq ${tip.seq}, the last entry is ${last.seq}`;
  if (tip.hash !== last.hash) return 'the ledger tip does not match the last entry';
  if (mac !== undefined && mac(tipText(tip.seq, tip.hash)) !== tip.mac) return 'the ledger tip seal is not valid';
  return undefined;
}
