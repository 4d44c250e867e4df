import type { Ledger, LedgerHead } from '../ledger/index.js';
import type { Db } from '../storage/index.js';
import type { AgentState, AgentStateStore } from './agent-state.js';
import type { HotTier } from './hot-tier.js';
import { TIER_CODES } from './rows.js';
import type { Memory } from './types.js';

export interface Snapshot {
  readonly hotMemories: Memory[];
  readonly state: AgentState;
  readonly tierCounts: { hot: number; warm: number; cold: number };
  readonly ledgerHead: LedgerHead;
}

export type SnapshotReader = (namespace: string, agentId: string, hotLimit: number) => Snapshot;

export interface SnapshotDeps {
  readonly db: Db;
  readonly agentState: AgentStateStore;
  readonly ledger: Ledger;
  readonly hotTier: HotTier;
  readonly clock: () => number;
}

/**
 * Everything an agent needs to resume, read in one transaction so the parts agree. Hot memories
 * come from the in-process HOT tier (no SQL), which always mirrors the last commit.
 */
export function createSnapshotReader({ db, agentState, ledger, hotTier, clock }: SnapshotDeps): SnapshotReader {
  const counts = db.prepare<[string, string, number], { tier: number; n: number }>(
    `SELECT tier, COUNT(*) AS n FROM memories WHERE namespace = ? AND agent_id = ?
       AND (expires_at IS NULL OR expires_at > ?) GROUP BY tier`,
  );

  const read = db.transaction((namespace: string, agentId: string, hotLimit: number): Snapshot => {
    const now = clock();
    const tierCounts = { hot: 0, warm: 0, cold: 0 };
    for (const row of counts.all(namespace, agentId, now)) {
      if (row.tier === TIER_CODES.HOT) tierCounts.hot = row.n;
      else if (row.tier === TIER_CODES.WARM) tierCounts.warm = row.n;
      else if (row.tier === TIER_CODES.COLD) tierCounts.cold = row.n;
    }
    return {
      hotMemories: hotTier.list(namespace, agentId, hotLimit, now),
      state: agentState.get(namespace, agentId),
      tierCounts,
      ledgerHead: ledger.head(),
    };
  });
  return (namespace, agentId, hotLimit) => read(namespace, agentId, hotLimit);
}
