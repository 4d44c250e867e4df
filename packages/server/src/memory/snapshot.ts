import type { Ledger, LedgerHead } from '../ledger/index.js';
import type { Db } from '../storage/index.js';
import type { AgentState, AgentStateStore } from './agent-state.js';
import { memoryFromRow, TIER_CODES, type MemoryRow } from './rows.js';
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
  readonly clock: () => number;
}

/** Everything an agent needs to resume, read in one transaction so the parts agree. */
export function createSnapshotReader({ db, agentState, ledger, clock }: SnapshotDeps): SnapshotReader {
  const hot = db.prepare<[string, string, number, number], MemoryRow>(
    `SELECT * FROM memories WHERE namespace = ? AND agent_id = ? AND tier = ${TIER_CODES.HOT}
       AND (expires_at IS NULL OR expires_at > ?) ORDER BY last_accessed_at DESC, id LIMIT ?`,
  );
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
      hotMemories: hot.all(namespace, agentId, now, hotLimit).map(memoryFromRow),
      state: agentState.get(namespace, agentId),
      tierCounts,
      ledgerHead: ledger.head(),
    };
  });
  return (namespace, agentId, hotLimit) => read(namespace, agentId, hotLimit);
}
