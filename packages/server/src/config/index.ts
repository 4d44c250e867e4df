import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { loadEmbeddingConfig, type EmbeddingConfig } from './embedding.js';
import { KEY_ID_PATTERN, loadLedgerConfig, type LedgerConfig } from './ledger.js';
import { loadSecurityConfig, type AuthConfig, type TlsConfig } from './security.js';
import { loadTierConfig, type TierConfig } from './tiers.js';

export { DEFAULT_EMBEDDING_MODEL, type EmbeddingConfig, type RemoteEmbedderConfig } from './embedding.js';
export type { LedgerConfig } from './ledger.js';
export { parseTrustedKeys } from './ledger.js';
export { TIER_DEFAULTS, type TierConfig } from './tiers.js';
export type { AuthConfig, EnvApiKey, TlsConfig } from './security.js';

export type Environment = 'development' | 'production' | 'test';

export interface Config {
  readonly env: Environment;
  readonly host: string;
  readonly port: number;
  /** Interface of the metrics/health HTTP port; the gRPC host unless set apart. */
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly dataDir: string;
  readonly embedding: EmbeddingConfig;
  readonly logLevel: string;
  /** Secret for ledger checkpoint signatures; generated per process outside production. */
  readonly signingKey: string;
  readonly signingKeyGenerated: boolean;
  readonly signingKeyId: string;
  readonly auth: AuthConfig;
  /** TLS for the gRPC port; plaintext when undefined. */
  readonly tls: TlsConfig | undefined;
  readonly tlsTerminatedByProxy: boolean;
  readonly shutdownGraceMs: number;
  readonly healthCheckIntervalMs: number;
  readonly maxContentBytes: number;
  readonly indexSaveIntervalMs: number;
  /** Calls per second per caller, with a burst; undefined when rate limiting is off. */
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | undefined;
  readonly ledger: LedgerConfig;
  readonly tiers: TierConfig;
  /** An OpenAI-compatible endpoint for conversation summaries; extractive and local when unset. */
  readonly summarizer: SummarizerConfig | undefined;
}

export interface SummarizerConfig {
  readonly url: string;
  readonly model: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

/** Reads CORTEX_* variables, applies the documented defaults and reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };

  const rawEnv = env.CORTEX_ENV ?? 'development';
  const environment: Environment =
    rawEnv === 'production' || rawEnv === 'test' || rawEnv === 'development' ? rawEnv : 'development';
  if (environment !== rawEnv) problems.push(`CORTEX_ENV=${rawEnv} must be one of development, production, test`);

  const logLevel = env.CORTEX_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`CORTEX_LOG_LEVEL=${logLevel} must be one of ${LOG_LEVELS.join(', ')}`);

  const security = loadSecurityConfig(env, environment === 'production', problems);

  const explicitKey = env.CORTEX_SIGNING_KEY ?? '';
  if (explicitKey !== '' && explicitKey.length < 32) problems.push('CORTEX_SIGNING_KEY must be at least 32 characters');
  if (environment === 'production' && explicitKey === '') {
    problems.push('CORTEX_ENV=production requires CORTEX_SIGNING_KEY (a secret of at least 32 characters)');
  }
  const host = env.CORTEX_HOST ?? '0.0.0.0';

  const signingKeyId = env.CORTEX_SIGNING_KEY_ID ?? (explicitKey === '' ? 'ephemeral' : 'default');
  if (!KEY_ID_PATTERN.test(signingKeyId)) problems.push(`CORTEX_SIGNING_KEY_ID="${signingKeyId.slice(0, 40)}" must be 1-64 characters without spaces or "+"`);

  const dataDir = resolve(env.CORTEX_DATA_DIR ?? './data');
  const ledger = loadLedgerConfig(env, int, problems, dataDir);

  const config: Config = {
    env: environment,
    host,
    port: int('CORTEX_PORT', 4949, 0, 65535),
    metricsHost: env.CORTEX_METRICS_HOST ?? host,
    metricsPort: int('CORTEX_METRICS_PORT', 9464, 0, 65535),
    dataDir,
    embedding: loadEmbeddingConfig(env, int, problems),
    logLevel,
    signingKey: explicitKey !== '' ? explicitKey : randomBytes(32).toString('hex'),
    signingKeyGenerated: explicitKey === '',
    signingKeyId,
    ...security,
    shutdownGraceMs: int('CORTEX_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    healthCheckIntervalMs: int('CORTEX_HEALTH_INTERVAL_MS', 5_000, 100, 600_000),
    maxContentBytes: int('CORTEX_MAX_CONTENT_BYTES', 65_536, 1, 16 * 1024 * 1024),
    indexSaveIntervalMs: int('CORTEX_INDEX_SAVE_INTERVAL_MS', 30_000, 100, 86_400_000),
    rateLimit: rateLimitConfig(int),
    summarizer: env.CORTEX_SUMMARIZER_URL
      ? {
          url: env.CORTEX_SUMMARIZER_URL,
          model: env.CORTEX_SUMMARIZER_MODEL ?? 'gpt-4o-mini',
          apiKey: env.CORTEX_SUMMARIZER_API_KEY ?? '',
          timeoutMs: int('CORTEX_SUMMARIZER_TIMEOUT_MS', 5_000, 100, 120_000),
        }
      : undefined,
    ledger,
    tiers: loadTierConfig(env, int, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function rateLimitConfig(int: (name: string, fallback: number, min: number, max: number) => number) {
  const perSecond = int('CORTEX_RATE_LIMIT_RPS', 0, 0, 1_000_000);
  if (perSecond === 0) return undefined;
  return { perSecond, burst: int('CORTEX_RATE_LIMIT_BURST', perSecond * 2, 1, 10_000_000) };
}
