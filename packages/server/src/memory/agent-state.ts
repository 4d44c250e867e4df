import { CortexError, ErrorReason } from '../errors.js';
import type { Ledger } from '../ledger/index.js';
import type { Db, Transact } from '../storage/index.js';
import type { RequestContext } from './types.js';

export interface AgentState {
  readonly state: Readonly<Record<string, string>>;
  /** 0 while the agent has no state. */
  readonly version: number;
  readonly updatedAt: number | null;
}

export interface StateChange {
  readonly set: Readonly<Record<string, string>>;
  readonly deleteKeys: readonly string[];
  /** Undefined: unconditional write. */
  readonly expectedVersion?: number;
  readonly replace: boolean;
}

export interface AgentStateDeps {
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly clock: () => number;
}

export function createAgentStateStore({ db, transact, ledger, clock }: AgentStateDeps) {
  const read = db.prepare<[string, string], { version: number; state: string; updated_at: number }>(
    'SELECT version, state, updated_at FROM agent_state WHERE namespace = ? AND agent_id = ?',
  );
  const write = db.prepare(
    `INSERT INTO agent_state (namespace, agent_id, version, state, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (namespace, agent_id) DO UPDATE SET version = excluded.version, state = excluded.state,
       updated_at = excluded.updated_at`,
  );

  function get(namespace: string, agentId: string): AgentState {
    const row = read.get(namespace, agentId);
    if (row === undefined) return { state: {}, version: 0, updatedAt: null };
    return { state: JSON.parse(row.state) as Record<string, string>, version: row.version, updatedAt: row.updated_at };
  }

  return {
    get,
    /** Applies a change if the version still matches; the check and the write share one transaction. */
    put(ctx: RequestContext, namespace: string, agentId: string, change: StateChange) {
      return transact((tx) => {
        const current = get(namespace, agentId);
        if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
          throw new CortexError(
            'ABORTED',
            `state of agent ${agentId} is at version ${current.version}, not ${change.expectedVersion}`,
            {
              reason: ErrorReason.STATE_VERSION_CONFLICT,
              metadata: { currentVersion: String(current.version), expectedVersion: String(change.expectedVersion) },
            },
          );
        }
        const deleted = new Set(change.deleteKeys);
        const kept = change.replace ? [] : Object.entries(current.state).filter(([key]) => !deleted.has(key));
        const next: Record<string, string> = { ...Object.fromEntries(kept), ...change.set };
        const state = Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        const version = current.version + 1;
        write.run(namespace, agentId, version, JSON.stringify(state), clock());
        const [entry] = ledger.append(tx, [
          {
            namespace,
            actor: ctx.actor,
            action: 'state.put',
            subject: agentId,
            agentId,
            correlationId: ctx.correlationId,
            payload: {
              version,
              setKeys: Object.keys(change.set).sort(),
              deletedKeys: [...change.deleteKeys].sort(),
              replace: change.replace,
            },
          },
        ]);
        return { version, state, ledgerSeq: entry?.seq ?? 0 };
      });
    },
  };
}

export type AgentStateStore = ReturnType<typeof createAgentStateStore>;
