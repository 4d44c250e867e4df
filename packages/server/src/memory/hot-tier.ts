import { boostHits } from '../index/fusion.js';
import type { Ledger, LedgerEvent } from '../ledger/index.js';
import type { Transact, Tx } from '../storage/index.js';
import { memoryFromRow, TIER_CODES, tierOfCode } from './rows.js';
import type { MemoryStore } from './store/index.js';
import { MAINTENANCE_CONTEXT, tierChangedEvent } from './tier-events.js';
import type { Memory, RequestContext, Tier } from './types.js';

export interface HotTierSettings {
  /** Most HOT memories one agent (namespace + agent id) keeps; 0 turns the HOT tier off. */
  readonly perAgent: number;
  /** Most HOT memories across every agent of every namespace. */
  readonly total: number;
  /** HOT hits' fused (HYBRID) recall score is multiplied by 1 + this. */
  readonly recallBoost: number;
}

export interface HotTierDeps {
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly settings: HotTierSettings;
}

/** A memory a transaction just wrote (Remember), with its tier before the write. */
export interface WrittenMemory {
  readonly rowId: number;
  /** Null for a memory the write created. */
  readonly before: Tier | null;
  /** The write's own ledger event (created/updated); undefined when the write changed nothing. */
  readonly event: LedgerEvent | undefined;
}

interface Entry {
  readonly rowId: number;
  /** namespace + agent id: whose working set the memory is in. */
  readonly key: string;
  memory: Memory;
}

const agentKey = (namespace: string, agentId: string) => `${namespace}\u0000${agentId}`;

/**
 * The HOT tier: each agent's working set, held in process as Memory objects in LRU order and
 * written through to SQLite (memories.tier = HOT), where it is rebuilt from at start.
 *
 * Maps keep insertion order, so "least recently used" is simply the first entry: a use deletes
 * and re-inserts. Every change to the cache is applied after the transaction that made it in
 * SQLite commits (never on rollback); decisions taken inside a transaction read the cache as of
 * the last commit, which is exact because transactions run synchronously one at a time.
 *
 * Capacity is a hard bound (it is process memory): when a set is full the least recently used
 * unpinned memory goes back to WARM; pinned memories are pushed out only when nothing else is left.
 */
export function createHotTier({ store, transact, ledger, settings }: HotTierDeps) {
  const all = new Map<number, Entry>();
  const byAgent = new Map<string, Map<number, Entry>>();

  function insert(entry: Entry): void {
    all.set(entry.rowId, entry);
    let set = byAgent.get(entry.key);
    if (set === undefined) byAgent.set(entry.key, (set = new Map<number, Entry>()));
    set.set(entry.rowId, entry);
  }

  function drop(rowId: number): void {
    const entry = all.get(rowId);
    if (entry === undefined) return;
    all.delete(rowId);
    const set = byAgent.get(entry.key);
    set?.delete(rowId);
    if (set?.size === 0) byAgent.delete(entry.key);
  }

  function entryOf(rowId: number, memory: Memory): Entry {
    return { rowId, key: agentKey(memory.namespace, memory.agentId), memory };
  }

  /**
   * Which memories must leave HOT once `arriving` become the most recently used of their sets and
   * `leaving` are gone. `keys` are the sets to check against the per-agent bound.
   */
  function victimsOf(arriving: readonly Entry[], leaving: ReadonlySet<number>, keys: Iterable<string>): Map<number, Entry> {
    const moved = new Set([...leaving, ...arriving.map((e) => e.rowId)]);
    const victims = new Map<number, Entry>();
    const pick = (order: () => Iterable<Entry>, excess: number) => {
      let needed = excess;
      for (const pinned of [false, true]) {
        for (const entry of order()) {
          if (needed <= 0) return;
          if (entry.memory.pinned !== pinned || victims.has(entry.rowId)) continue;
          victims.set(entry.rowId, entry);
          needed -= 1;
        }
      }
    };
    for (const key of keys) {
      const stayingOf = () => [...(byAgent.get(key)?.values() ?? [])].filter((e) => !moved.has(e.rowId));
      const order = () => [...stayingOf(), ...arriving.filter((e) => e.key === key)];
      pick(order, order().length - settings.perAgent);
    }
    let staying = all.size;
    for (const rowId of moved) if (all.has(rowId)) staying -= 1;
    const excess = staying + arriving.length - victims.size - settings.total;
    if (excess > 0) {
      pick(function* () {
        for (const entry of all.values()) if (!moved.has(entry.rowId)) yield entry;
        yield* arriving;
      }, excess);
    }
    return victims;
  }

  /** Inside `tx`: demotes the victims to WARM in SQLite and schedules the cache changes. */
  function settle(tx: Tx, arriving: readonly Entry[], leaving: ReadonlySet<number>, victims: ReadonlyMap<number, Entry>): void {
    for (const rowId of victims.keys()) store.setTier(rowId, 'WARM');
    tx.afterCommit(() => {
      for (const rowId of leaving) drop(rowId);
      for (const entry of arriving) {
        drop(entry.rowId);
        if (!victims.has(entry.rowId)) insert(entry);
      }
      for (const rowId of victims.keys()) drop(rowId);
    });
  }

  const capacityEvent = (ctx: RequestContext, entry: Entry) =>
    tierChangedEvent(ctx, {
      namespace: entry.memory.namespace,
      id: entry.memory.id,
      agentId: entry.memory.agentId,
      from: 'HOT',
      to: 'WARM',
      reason: 'capacity',
    });

  // Rebuild from SQLite, least recently used first, then honour capacities lowered since last run.
  for (const row of store.hotRows()) insert(entryOf(row.row_id, memoryFromRow(row)));
  const overflow = victimsOf([], new Set(), [...byAgent.keys()]);
  if (overflow.size > 0) {
    transact((tx) => {
      settle(tx, [], new Set(), overflow);
      ledger.append(tx, [...overflow.values()].map((entry) => capacityEvent(MAINTENANCE_CONTEXT, entry)));
    });
  }

  return {
    /**
     * Inside Remember's transaction, after its rows are written (a memory with an agent as HOT,
     * a shared one as WARM): makes the written HOT memories their agents' most recently used,
     * pushes out what no longer fits, and returns every ledger event the write needs: its own
     * events (their payload gains the memory's final `tier`) and a `memory.tier_changed` for each
     * memory whose tier moved, including memories of other agents pushed out of the total bound.
     */
    afterWrites(tx: Tx, ctx: RequestContext, written: readonly WrittenMemory[]): LedgerEvent[] {
      const changed = written.filter((w) => w.event !== undefined);
      if (changed.length === 0) return [];
      const rows = store.byRowIds(changed.map((w) => w.rowId));
      const arriving: Entry[] = [];
      const leaving = new Set<number>();
      for (const w of changed) {
        const row = rows.get(w.rowId);
        if (row?.tier === TIER_CODES.HOT) arriving.push(entryOf(row.row_id, memoryFromRow(row)));
        else leaving.add(w.rowId);
      }
      const victims = victimsOf(arriving, leaving, new Set(arriving.map((e) => e.key)));
      settle(tx, arriving, leaving, victims);

      const events: LedgerEvent[] = [];
      for (const w of changed) {
        const row = rows.get(w.rowId);
        if (row === undefined || w.event === undefined) continue;
        const tier: Tier = victims.has(w.rowId) ? 'WARM' : tierOfCode(row.tier);
        events.push({ ...w.event, payload: { ...w.event.payload, tier } });
        if (w.before !== null && w.before !== tier) {
          events.push(
            tierChangedEvent(ctx, {
              namespace: row.namespace,
              id: row.id,
              agentId: row.agent_id,
              from: w.before,
              to: tier,
              reason: victims.has(w.rowId) ? 'capacity' : 'write',
            }),
          );
        }
      }
      for (const victim of victims.values()) if (!rows.has(victim.rowId)) events.push(capacityEvent(ctx, victim));
      return events;
    },

    /** Reads of HOT memories (GetMemory, Recall) make them most recently used; mirrors SQL's touch. */
    touched(rowIds: readonly number[], now: number): void {
      for (const rowId of rowIds) {
        const entry = all.get(rowId);
        if (entry === undefined) continue;
        entry.memory = { ...entry.memory, lastAccessedAt: now, accessCount: entry.memory.accessCount + 1 };
        drop(rowId);
        insert(entry);
      }
    },

    /** Memories leaving HOT (forgotten, expired, demoted, archived) once `tx` commits. */
    dropAfterCommit(tx: Tx, rowIds: readonly number[]): void {
      if (rowIds.length > 0) tx.afterCommit(() => rowIds.forEach(drop));
    },

    /** Memories promoted to HOT by maintenance (into free capacity) once `tx` commits. */
    addAfterCommit(tx: Tx, memories: ReadonlyArray<{ readonly rowId: number; readonly memory: Memory }>): void {
      if (memories.length > 0) tx.afterCommit(() => memories.forEach(({ rowId, memory }) => insert(entryOf(rowId, memory))));
    },

    /** An agent's HOT memories, most recently accessed first, without expired ones. */
    list(namespace: string, agentId: string, limit: number, now: number): Memory[] {
      const entries = [...(byAgent.get(agentKey(namespace, agentId))?.values() ?? [])].reverse();
      return entries
        .map((e) => e.memory)
        .filter((m) => m.expiresAt === null || m.expiresAt > now)
        .sort((a, b) => b.lastAccessedAt - a.lastAccessedAt)
        .slice(0, limit);
    },

    /** A fused recall ranking with HOT hits boosted by recallBoost (index/fusion.ts boostHits). */
    boost<H extends { readonly id: string; readonly score: number }>(hits: readonly H[]): H[] {
      if (all.size === 0) return [...hits];
      return boostHits(hits, (id) => all.has(Number(id)), settings.recallBoost);
    },

    has: (rowId: number) => all.has(rowId),
    size: () => all.size,
    agentSize: (namespace: string, agentId: string) => byAgent.get(agentKey(namespace, agentId))?.size ?? 0,
    settings,
  };
}

export type HotTier = ReturnType<typeof createHotTier>;
