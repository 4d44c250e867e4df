/** CORTEX_HOT_*, CORTEX_COLD_*, CORTEX_DECAY_*, CORTEX_MAINTENANCE_*: the memory tiers and their policy. */
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
  const config: TierConfig = {
    hotPerAgent: int('CORTEX_HOT_PER_AGENT', 50, 0, 100_000),
    hotTotal: int('CORTEX_HOT_TOTAL', 10_000, 0, 10_000_000),
    hotRecallBoost: fraction('CORTEX_HOT_RECALL_BOOST', 0.05),
    decayHalfLifeMs: int('CORTEX_DECAY_HALF_LIFE_HOURS', 168, 1, 87_600) * 3_600_000,
    coldThreshold: fraction('CORTEX_COLD_THRESHOLD', 0.15),
    hotDemoteThreshold: fraction('CORTEX_HOT_DEMOTE_THRESHOLD', 0.4),
    hotPromoteThreshold: fraction('CORTEX_HOT_PROMOTE_THRESHOLD', 0.6),
    maintenanceIntervalMs: int('CORTEX_MAINTENANCE_INTERVAL_MS', 60_000, 0, 86_400_000),
    maintenanceBatch: int('CORTEX_MAINTENANCE_BATCH', 500, 1, 100_000),
  };
  if (!(config.coldThreshold <= config.hotDemoteThreshold && config.hotDemoteThreshold <= config.hotPromoteThreshold)) {
    problems.push(
      'CORTEX_COLD_THRESHOLD <= CORTEX_HOT_DEMOTE_THRESHOLD <= CORTEX_HOT_PROMOTE_THRESHOLD must hold ' +
        `(got ${config.coldThreshold}, ${config.hotDemoteThreshold}, ${config.hotPromoteThreshold})`,
    );
  }
  return config;
}
