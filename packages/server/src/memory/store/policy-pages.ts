import type { Db } from '../../storage/index.js';
import { TIER_CODES } from '../rows.js';

/** Row columns the tier policy looks at. */
export interface PolicyRow {
  readonly row_id: number;
  readonly id: string;
  readonly namespace: string;
  readonly agent_id: string;
  readonly tier: number;
  readonly pinned: number;
  readonly importance: number;
  readonly created_at: number;
  readonly last_accessed_at: number;
  readonly access_count: number;
}

export interface ExpiredRow {
  readonly row_id: number;
  readonly id: string;
  readonly namespace: string;
  readonly agent_id: string;
  readonly tier: number;
  readonly expires_at: number;
}

/** What every page asks: a namespace (null: all), the policy's instant, the page size, and a keyset cursor. */
export interface PageScope {
  readonly namespace: string | null;
  readonly now: number;
  readonly limit: number;
  readonly afterKey: number;
  readonly afterRow: number;
}

/** Bounds every below-threshold candidate satisfies (memory/policy.ts belowThresholdBounds), and its tier. */
export interface BelowScope extends PageScope {
  readonly tier: number;
  readonly maxImportance: number;
  readonly maxAccessCount: number;
  readonly touchedBefore: number;
}

const POLICY_COLUMNS = 'row_id, id, namespace, agent_id, tier, pinned, importance, created_at, last_accessed_at, access_count';

/**
 * The pages maintenance walks, each in keyset order on (key, row_id) so a run can stop and yield
 * between pages: expired rows by expires_at, below-threshold candidates by last access (the
 * (tier, last_accessed_at) index), and recently read WARM agent memories, most recent first.
 */
export function policyPages(db: Db) {
  const inNamespace = '(@namespace IS NULL OR namespace = @namespace)';
  const live = '(expires_at IS NULL OR expires_at > @now)';
  const expired = db.prepare<[PageScope], ExpiredRow>(
    `SELECT row_id, id, namespace, agent_id, tier, expires_at FROM memories
      WHERE expires_at IS NOT NULL AND expires_at <= @now AND ${inNamespace} AND (expires_at, row_id) > (@afterKey, @afterRow)
      ORDER BY expires_at, row_id LIMIT @limit`,
  );
  const below = db.prepare<[BelowScope], PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM memories
      WHERE tier = @tier AND pinned = 0 AND importance < @maxImportance AND access_count < @maxAccessCount
        AND last_accessed_at < @touchedBefore AND created_at < @touchedBefore AND ${live} AND ${inNamespace}
        AND (last_accessed_at, row_id) > (@afterKey, @afterRow)
      ORDER BY last_accessed_at, row_id LIMIT @limit`,
  );
  const recent = db.prepare<[PageScope & { readonly since: number }], PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM memories
      WHERE tier = ${TIER_CODES.WARM} AND agent_id != '' AND access_count > 0 AND last_accessed_at >= @since
        AND ${live} AND ${inNamespace} AND (last_accessed_at, row_id) < (@afterKey, @afterRow)
      ORDER BY last_accessed_at DESC, row_id DESC LIMIT @limit`,
  );
  return {
    expiredPage: (scope: PageScope): ExpiredRow[] => expired.all(scope),
    belowPage: (scope: BelowScope): PolicyRow[] => below.all(scope),
    recentPage: (scope: PageScope & { readonly since: number }): PolicyRow[] => recent.all(scope),
  };
}
