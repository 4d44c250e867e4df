import { GENESIS_HASH } from '../chain.js';
import { headHash, NO_PREVIOUS_HEAD, parseHead, type HeadStore, type TreeHead } from '../heads.js';
import { EMPTY_ROOT } from '../merkle.js';
import { openNote, type TrustedKeys } from '../note.js';
import type { TreeStore } from '../tree.js';
import type { Failure } from './walker.js';

/**
 * The heads before the first entry a full walk can read: the genesis head (a new ledger signs
 * the head of its empty tree before its first entry) and, after retention, the heads over the
 * deleted entries. Their leaves are gone, so the stored Merkle nodes under them are checked
 * against their signed roots instead: a node no such root reaches can only make a proof fail,
 * never make a false one pass. Problems are reported at the first readable seq.
 */
export function headsBefore(from: number, heads: HeadStore, tree: TreeStore, trustedKeys: TrustedKeys): Failure[] {
  const genesis = heads.at(0)?.note;
  if (genesis === undefined) return [{ seq: from, reason: 'the genesis head (tree size 0) is missing' }];
  let previous: TreeHead | undefined;
  for (const stored of heads.range(0, from - 1)) {
    const problem = headProblem(stored.treeSize, stored.note, previous, tree, trustedKeys);
    if (problem) return [{ seq: from, reason: `the signed head at tree size ${stored.treeSize}: ${problem}` }];
    previous = parseHead(stored.note);
  }
  return [];
}

function headProblem(
  size: number,
  note: string,
  previous: TreeHead | undefined,
  tree: TreeStore,
  trustedKeys: TrustedKeys,
): string | undefined {
  const head = parseHead(note);
  if (head?.treeSize !== size) return 'malformed or stored under another tree size';
  const opened = openNote(note, trustedKeys);
  if ('problem' in opened) return opened.problem;
  if (!head.previousHead.equals(previous ? headHash(previous) : NO_PREVIOUS_HEAD)) return 'the chain of heads is broken before it';
  if (size === 0) return head.rootHash.equals(EMPTY_ROOT) && head.lastHash === GENESIS_HASH ? undefined : 'not the head of the empty tree';
  try {
    return tree.root(size).equals(head.rootHash) ? undefined : 'the Merkle tree under the entries deleted by retention does not match it';
  } catch {
    return 'Merkle tree nodes under the entries deleted by retention are missing';
  }
}
