/**
 * CORTEX_HOT_*, CORTEX_COLD_*, CORTEX_DECAY_*, CORTEX_MAINTENANCE_*: the configurable values of the
 * memory tiers. What they mean to the policy (retention score, decisions) is memory/policy.ts.
 */
export interface TierConfig {
  /** Most HOT memories per agent (namespace + agent id); 0 turns the HOT tier off. */
  readonly hotPerAgent: number;
  /** Most HOT memories in the whole process. */
  readonly hotTotal: number;
  /** HOT hits' HYBRID recall score is multiplied by 1 + this. */
  readonly hotRecallBoost: number;
  /** Half-life of the recency term of the retention score. */
  readonly decayHalfLifeMs: number;
  /** Retention below which HOT/WARM memories are archived to COLD. */
  readonly coldThreshold: number;
  /** Retention below which HOT memories go back to WARM. */
  readonly hotDemoteThreshold: number;
  /** Retention at or above which an agent's recently read WARM memory is promoted to HOT. */
  readonly hotPromoteThreshold: number;
  /** Period of the maintenance job; 0 runs it only on RunMaintenance. */
  readonly maintenanceIntervalMs: number;
  /** Memories examined per maintenance transaction. */
  readonly maintenanceBatch: number;
}

const HOUR_MS = 3_600_000;

/** The documented defaults, the only place they are written (docs/memory-tiers.md lists them). */
export const TIER_DEFAULTS: TierConfig = {
  hotPerAgent: 50,
  hotTotal: 10_000,
  hotRecallBoost: 0.05,
  decayHalfLifeMs: 168 * HOUR_MS,
  coldThreshold: 0.15,
  hotDemoteThreshold: 0.4,
  hotPromoteThreshold: 0.6,
  maintenanceIntervalMs: 60_000,
  maintenanceBatch: 500,
};

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

/** Reads the tier settings; problems are appended to `problems` like every other variable's. */
export function loadTierConfig(env: NodeJS.ProcessEnv, int: IntReader, problems: string[]): TierConfig {
  const fraction = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      problems.push(`${name}=${raw} must be a number between 0 and 1`);
      return fallback;
    }
    return value;
  };
  const d = TIER_DEFAULTS;
  const config: TierConfig = {
    hotPerAgent: int('CORTEX_HOT_PER_AGENT', d.hotPerAgent, 0, 100_000),
    hotTotal: int('CORTEX_HOT_TOTAL', d.hotTotal, 0, 10_000_000),
    hotRecallBoost: fraction('CORTEX_HOT_RECALL_BOOST', d.hotRecallBoost),
    decayHalfLifeMs: int('CORTEX_DECAY_HALF_LIFE_HOURS', d.decayHalfLifeMs / HOUR_MS, 1, 87_600) * HOUR_MS,
    coldThreshold: fraction('CORTEX_COLD_THRESHOLD', d.coldThreshold),
    hotDemoteThreshold: fraction('CORTEX_HOT_DEMOTE_THRESHOLD', d.hotDemoteThreshold),
    hotPromoteThreshold: fraction('CORTEX_HOT_PROMOTE_THRESHOLD', d.hotPromoteThreshold),
    maintenanceIntervalMs: int('CORTEX_MAINTENANCE_INTERVAL_MS', d.maintenanceIntervalMs, 0, 86_400_000),
    maintenanceBatch: int('CORTEX_MAINTENANCE_BATCH', d.maintenanceBatch, 1, 100_000),
  };
  if (!(config.coldThreshold <= config.hotDemoteThreshold && config.hotDemoteThreshold <= config.hotPromoteThreshold)) {
    problems.push(
      'CORTEX_COLD_THRESHOLD <= CORTEX_HOT_DEMOTE_THRESHOLD <= CORTEX_HOT_PROMOTE_THRESHOLD must hold ' +
        `(got ${config.coldThreshold}, ${config.hotDemoteThreshold}, ${config.hotPromoteThreshold})`,
    );
  }
  return config;
}
