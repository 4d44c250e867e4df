import type { Logger } from 'winston';
import type { TierConfig } from '../config/index.js';
import { createPeriodicJob, yieldToEventLoop } from '../jobs/index.js';
import type { Ledger, LedgerEvent } from '../ledger/index.js';
import type { Transact, Tx } from '../storage/index.js';
import type { AccessRecorder } from './access-recorder.js';
import type { ColdTier } from './cold.js';
import type { DeleteWithLedger } from './delete.js';
import type { HotTier } from './hot-tier.js';
import type { Reembedder } from './reembed.js';
import { belowThresholdBounds, downwardMoves, promotes, promotionWindowStart, retentionScore, type DownwardMove } from './policy.js';
import { memoryFromRow, TIER_CODES, tierOfCode } from './rows.js';
import type { ExpiredRow, MemoryStore, PolicyRow } from './store/index.js';
import { MAINTENANCE_CONTEXT, MEMORY_EXPIRED, tierChangedEvent } from './tier-events.js';
import type { Memory, RequestContext, Tier } from './types.js';

export interface MaintenanceDeps {
  readonly store: MemoryStore;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly hotTier: HotTier;
  readonly coldTier: ColdTier;
  readonly deleteWithLedger: DeleteWithLedger;
  /** The vector backlog (model change, changed thread windows), worked off after the tier moves. */
  readonly reembed: Reembedder;
  /** Pending access statistics are written before a run, so the policy sees every read. */
  readonly access: Pick<AccessRecorder, 'flush'>;
  readonly clock: () => number;
  readonly logger: Logger;
  /**
   * The policy's thresholds and half-life (decided by memory/policy.ts), the rows examined per
   * transaction (the event loop gets a turn between transactions) and the period of the
   * background job (0 leaves it to explicit runs, RunMaintenance).
   */
  readonly tiers: TierConfig;
}

export interface MaintenanceRunOptions {
  /** Only this namespace; every namespace when absent. */
  readonly namespace?: string;
  /** Count what would move, move nothing. */
  readonly dryRun?: boolean;
  /** Evaluate the policy (retention, expiry) as of this instant instead of the clock's now. */
  readonly asOf?: number;
  /** Who asked (the ledger actor of the moves); the maintenance job itself when absent. */
  readonly ctx?: RequestContext;
}

export interface MaintenanceResult {
  readonly promoted: number;
  readonly demoted: number;
  readonly archived: number;
  readonly expired: number;
  /** Memories whose vectors were re-made (a dry run counts those waiting). */
  readonly reembedded: number;
}

/**
 * Tier maintenance: expires, archives, demotes and promotes memories under the retention policy,
 * in bounded batches (one transaction each, with a ledger event per change) that yield to the
 * event loop in between so RPCs keep flowing. Runs are serialized; a periodic run is skipped
 * while another is in progress.
 */
export function createMaintenance(deps: MaintenanceDeps) {
  const { store, transact, ledger, hotTier, coldTier, deleteWithLedger, reembed, clock, logger, tiers } = deps;

  let queue: Promise<unknown> = Promise.resolve();
  let running = 0;
  let stopped = false;

  /**
   * Pages through `page` (keyset on a (key, row_id) cursor), handing each page to `handle` inside
   * its own transaction — or outside any for a dry run — and yielding between pages.
   */
  async function sweep<R extends { readonly row_id: number }>(
    dryRun: boolean,
    start: { key: number; row: number },
    page: (after: { key: number; row: number }) => R[],
    keyOf: (row: R) => number,
    handle: (rows: R[], tx: Tx | undefined) => void,
    afterPage: () => void,
  ): Promise<void> {
    let after = start;
    while (!stopped) {
      let rows: R[] = [];
      const step = (tx: Tx | undefined) => {
        rows = page(after);
        if (rows.length > 0) handle(rows, tx);
      };
      if (dryRun) step(undefined);
      else transact(step);
      afterPage();
      const last = rows.at(-1);
      if (last === undefined || rows.length < tiers.maintenanceBatch) return;
      after = { key: keyOf(last), row: last.row_id };
      await yieldToEventLoop();
    }
  }

  async function execute(options: MaintenanceRunOptions): Promise<MaintenanceResult> {
    const dryRun = options.dryRun ?? false;
    const now = options.asOf ?? clock();
    const ctx = options.ctx ?? MAINTENANCE_CONTEXT;
    const scope = { namespace: options.namespace ?? null, now, limit: tiers.maintenanceBatch };
    const counts = { promoted: 0, demoted: 0, archived: 0, expired: 0, reembedded: 0 };
    /** Rows already decided in this run: a dry run must not count them again in a later phase. */
    const decided = new Set<number>();
    // HOT-set sizes as the run has changed them but the cache does not show yet (until the page
    // commits; for the whole run when dry).
    const pending = new Map<string, number>();
    let pendingTotal = 0;
    const adjust = (row: PolicyRow, delta: number) => {
      const key = `${row.namespace}\u0000${row.agent_id}`;
      pending.set(key, (pending.get(key) ?? 0) + delta);
      pendingTotal += delta;
    };
    const settled = () => {
      if (dryRun) return;
      pending.clear();
      pendingTotal = 0;
    };
    const retention = (row: PolicyRow) =>
      retentionScore(
        {
          importance: row.importance,
          createdAt: row.created_at,
          lastAccessedAt: row.last_accessed_at,
          accessCount: row.access_count,
          pinned: row.pinned === 1,
        },
        now,
        tiers.decayHalfLifeMs,
      );
    const move = (row: PolicyRow, to: Tier, score: number): LedgerEvent =>
      tierChangedEvent(ctx, {
        namespace: row.namespace,
        id: row.id,
        agentId: row.agent_id,
        from: tierOfCode(row.tier),
        to,
        reason: 'retention',
        retention: score,
      });
    const lowest = { key: Number.MIN_SAFE_INTEGER, row: 0 };

    // 1. Expire: delete what passed its expires_at (pinning does not override an explicit expiry).
    await sweep<ExpiredRow>(
      dryRun,
      lowest,
      (after) => store.expiredPage({ ...scope, afterKey: after.key, afterRow: after.row }),
      (row) => row.expires_at,
      (rows, tx) => {
        counts.expired += rows.length;
        if (tx === undefined) return;
        deleteWithLedger(tx, rows, (row) => ({
          namespace: row.namespace,
          actor: ctx.actor,
          action: MEMORY_EXPIRED,
          subject: row.id,
          agentId: row.agent_id,
          correlationId: ctx.correlationId,
          payload: { expiresAt: row.expires_at, tier: tierOfCode(row.tier) },
        }));
      },
      settled,
    );

    // 2. Archive, 3. demote: HOT/WARM memories whose retention fell below a threshold.
    const sweepBelow = async ({ from: fromTier, to, below: threshold }: DownwardMove, onMove: (rows: PolicyRow[], tx: Tx) => void) => {
      const bounds = belowThresholdBounds(threshold, now, tiers.decayHalfLifeMs);
      if (bounds === null) return;
      await sweep<PolicyRow>(
        dryRun,
        lowest,
        (after) => store.belowPage({ ...scope, ...bounds, tier: TIER_CODES[fromTier], afterKey: after.key, afterRow: after.row }),
        (row) => row.last_accessed_at,
        (rows, tx) => {
          const moving = rows.flatMap((row) => {
            if (decided.has(row.row_id)) return [];
            const score = retention(row);
            return score < threshold ? [{ row, score }] : [];
          });
          for (const { row } of moving) {
            decided.add(row.row_id);
            if (row.tier === TIER_CODES.HOT) adjust(row, -1);
          }
          if (to === 'COLD') counts.archived += moving.length;
          else counts.demoted += moving.length;
          if (tx === undefined || moving.length === 0) return;
          onMove(moving.map((m) => m.row), tx);
          ledger.append(tx, moving.map(({ row, score }) => move(row, to, score)));
        },
        settled,
      );
    };
    const archive = (rows: PolicyRow[], tx: Tx) => {
      for (const row of rows) coldTier.archive(tx, { row_id: row.row_id, tier: row.tier, content: store.contentOf(row.row_id) });
    };
    const demote = (rows: PolicyRow[], tx: Tx) => {
      for (const row of rows) store.setTier(row.row_id, 'WARM');
      hotTier.dropAfterCommit(tx, rows.map((row) => row.row_id));
    };
    for (const step of downwardMoves(tiers)) await sweepBelow(step, step.to === 'COLD' ? archive : demote);

    // 4. Promote: agents' WARM memories read recently and scoring high, most recent first, into
    // free HOT capacity only (promotion never pushes another memory out).
    await sweep<PolicyRow>(
      dryRun,
      { key: Number.MAX_SAFE_INTEGER, row: Number.MAX_SAFE_INTEGER },
      (after) => store.recentPage({ ...scope, since: promotionWindowStart(now), afterKey: after.key, afterRow: after.row }),
      (row) => row.last_accessed_at,
      (rows, tx) => {
        const promoted: Array<{ row: PolicyRow; score: number }> = [];
        for (const row of rows) {
          if (decided.has(row.row_id)) continue;
          const score = retention(row);
          if (!promotes(tiers, score)) continue;
          const agentCount = hotTier.agentSize(row.namespace, row.agent_id) + (pending.get(`${row.namespace}\u0000${row.agent_id}`) ?? 0);
          const totalCount = hotTier.size() + pendingTotal;
          if (agentCount >= hotTier.settings.perAgent || totalCount >= hotTier.settings.total) continue;
          decided.add(row.row_id);
          adjust(row, 1);
          promoted.push({ row, score });
        }
        counts.promoted += promoted.length;
        if (tx === undefined || promoted.length === 0) return;
        const memories: Array<{ rowId: number; memory: Memory }> = [];
        for (const { row } of promoted) {
          store.setTier(row.row_id, 'HOT');
          memories.push({ rowId: row.row_id, memory: memoryFromRow(store.byRowId(row.row_id)!) });
        }
        // Least recently used first, so the most recent ends up most recently used in the LRU.
        hotTier.addAfterCommit(tx, memories.reverse());
        ledger.append(tx, promoted.map(({ row, score }) => move(row, 'HOT', score)));
      },
      settled,
    );

    // 5. Re-embed the vector backlog (every namespace: it follows the model, not the policy), a
    // batch per step; a step that settles nothing (all changed meanwhile) ends this run's share.
    if (dryRun) counts.reembedded = reembed.pending();
    while (!dryRun && !stopped) {
      const settled = await reembed.step(tiers.maintenanceBatch);
      counts.reembedded += settled;
      if (settled === 0) break;
    }
    return counts;
  }

  function run(options: MaintenanceRunOptions = {}): Promise<MaintenanceResult> {
    const result = queue.then(() => {
      running += 1;
      deps.access.flush();
      return execute(options).finally(() => {
        running -= 1;
      });
    });
    queue = result.catch(() => undefined);
    return result;
  }

  const schedule = createPeriodicJob({
    intervalMs: tiers.maintenanceIntervalMs,
    async run() {
      if (running > 0) return;
      const result = await run();
      if (Object.values(result).some((n) => n > 0)) logger.info('tier maintenance', result);
    },
    onError: (error) => logger.error('tier maintenance failed', { error: String(error) }),
  });

  return {
    run,

    /** Starts the periodic job (when intervalMs > 0); a tick is skipped while a run is in progress. */
    start: schedule.start,

    /** Stops the schedule; a run in progress ends after its current batch. */
    async stop(): Promise<void> {
      stopped = true;
      await schedule.stop();
      await queue;
    },
  };
}

export type Maintenance = ReturnType<typeof createMaintenance>;
