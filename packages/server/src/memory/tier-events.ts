import type { LedgerEvent } from '../ledger/index.js';
import type { RequestContext, Tier } from './types.js';

/** Ledger action of every move between tiers; its payload is `{ from, to, reason[, retention] }`. */
export const TIER_CHANGED = 'memory.tier_changed';
/** Ledger action of a memory deleted by maintenance because its expires_at passed. */
export const MEMORY_EXPIRED = 'memory.expired';

/**
 * Why a memory changed tier:
 * - `write`: Remember created or updated it (an agent's write puts the memory in its HOT set);
 * - `capacity`: pushed out of a full HOT set (per agent or in total), least recently used first;
 * - `retention`: the maintenance policy, by retention score;
 * - `access`: a COLD memory was read back (GetMemory, or returned by Recall) and re-warmed.
 */
export type TierMoveReason = 'write' | 'capacity' | 'retention' | 'access';

/** Who moves memories when no request caused it (the periodic maintenance job). */
export const MAINTENANCE_CONTEXT: RequestContext = { actor: 'system:maintenance', correlationId: '' };

export interface TierMove {
  readonly namespace: string;
  readonly id: string;
  readonly agentId: string;
  readonly from: Tier;
  readonly to: Tier;
  readonly reason: TierMoveReason;
  /** The retention score the policy decided on, for `retention` moves. */
  readonly retention?: number;
}

export function tierChangedEvent(ctx: RequestContext, move: TierMove): LedgerEvent {
  return {
    namespace: move.namespace,
    actor: ctx.actor,
    action: TIER_CHANGED,
    subject: move.id,
    agentId: move.agentId,
    correlationId: ctx.correlationId,
    payload: {
      from: move.from,
      to: move.to,
      reason: move.reason,
      ...(move.retention !== undefined ? { retention: Math.round(move.retention * 1e6) / 1e6 } : {}),
    },
  };
}

/** The actor of a re-warm caused by an internal read that carried no request context. */
export const INTERNAL_CONTEXT: RequestContext = { actor: 'system', correlationId: '' };
