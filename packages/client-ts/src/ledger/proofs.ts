import { createHash } from 'node:crypto';
import type { LedgerEntry } from '@cortex/proto/cortex/v1/ledger_service';

/**
 * The client's own RFC 9162 checks (SHA-256), written from the RFC and docs/ledger.md rather than
 * shared with the server, so a server bug cannot hide behind the same code on both sides.
 */
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** The leaf hash of an entry: its leaf data is the 32 bytes LedgerEntry.hash spells in hex. */
export function entryLeafHash(entryHashHex: string): Buffer {
  return sha256(LEAF, Buffer.from(entryHashHex, 'hex'));
}

const node = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);

/**
 * Recomputes an entry's hash from its fields, in the canonical encoding it was written with
 * (docs/ledger.md): version 1 `["cortex.ledger.v1", seq, tx_id, time, namespace, actor, action,
 * subject, agent_id, payload, correlation_id, prev_hash]`, version 2 the same with on_behalf_of
 * after actor. An entry whose content does not match its hash is caught before any proof.
 */
export function entryHash(entry: LedgerEntry): string {
  const version = entry.encodingVersion || 1;
  const claim = version === 1 ? [] : [entry.onBehalfOf];
  const encoding = JSON.stringify([
    `cortex.ledger.v${version}`,
    entry.seq,
    entry.txId,
    entry.time?.getTime() ?? 0,
    entry.namespace,
    entry.actor,
    ...claim,
    entry.action,
    entry.subject,
    entry.agentId,
    entry.payloadJson,
    entry.correlationId,
    entry.prevHash,
  ]);
  return createHash('sha256').update(encoding, 'utf8').digest('hex');
}

/** RFC 9162 section 2.1.3.2: the root an audit path leads to from leaf `index` of a tree of `size`. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[]): Buffer | undefined {
  if (index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** RFC 9162 section 2.1.4.2: whether `proof` shows the tree of `first` leaves is a prefix of the one of `second`. */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && Buffer.from(firstRoot).equals(secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = node(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}
