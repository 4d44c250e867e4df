import type { Ledger, LedgerHead } from '../ledger/index.js';
import type { Db } from '../storage/index.js';
import type { AgentState, AgentStateStore } from './agent-state.js';
import type { HotTier } from './hot-tier.js';
import type { MemoryStore, TierCounts } from './store/index.js';
import type { Memory } from './types.js';

export interface Snapshot {
  readonly hotMemories: Memory[];
  readonly state: AgentState;
  readonly tierCounts: TierCounts;
  readonly ledgerHead: LedgerHead;
}

export type SnapshotReader = (namespace: string, agentId: string, hotLimit: number) => Snapshot;

export interface SnapshotDeps {
  readonly db: Db;
  readonly store: MemoryStore;
  readonly agentState: AgentStateStore;
  readonly ledger: Ledger;
  readonly hotTier: HotTier;
  readonly clock: () => number;
}

/**
 * Everything an agent needs to resume, read in one transaction so the parts agree. Hot memories
 * come from the in-process HOT tier (no SQL), which always mirrors the last commit.
 */
export function createSnapshotReader({ db, store, agentState, ledger, hotTier, clock }: SnapshotDeps): SnapshotReader {
  const read = db.transaction((namespace: string, agentId: string, hotLimit: number): Snapshot => {
    const now = clock();
    return {
      hotMemories: hotTier.list(namespace, agentId, hotLimit, now),
      state: agentState.get(namespace, agentId),
      tierCounts: store.tierCounts(namespace, agentId, now),
      ledgerHead: ledger.head(),
    };
  });
  return (namespace, agentId, hotLimit) => read(namespace, agentId, hotLimit);
}
