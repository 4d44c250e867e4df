import type { Db } from '../storage/index.js';
import { createHeadStore, type HeadStore } from './heads.js';
import { createSegmentStore, type SegmentStore } from './segments.js';
import { createTipStore, type TipStore } from './tip.js';
import { createTreeStore, type TreeStore } from './tree.js';

/** The ledger's tables besides the entries, each with its one owner. */
export interface LedgerStores {
  readonly tree: TreeStore;
  readonly heads: HeadStore;
  readonly tip: TipStore;
  readonly segments: SegmentStore;
}

export function openLedgerStores(db: Db): LedgerStores {
  return { tree: createTreeStore(db), heads: createHeadStore(db), tip: createTipStore(db), segments: createSegmentStore(db) };
}
