import { join, resolve } from 'node:path';

/** CORTEX_LEDGER_* settings; docs/ledger.md explains each. */
export interface LedgerConfig {
  /** Sign a checkpoint every this many entries (inside the appending transaction)... */
  readonly checkpointEvery: number;
  /** ...and at least this often while the head moves. */
  readonly checkpointIntervalMs: number;
  /** Seal a segment once this many entries are unsealed... */
  readonly segmentEntries: number;
  /** ...or once the oldest unsealed entry is this old. */
  readonly segmentMaxAgeMs: number;
  /** Archived segments whose entries also stay in the live database (for fast replay). */
  readonly liveSegments: number;
  /** Delete archived segments whose last entry is older than this; 0 keeps them for ever. */
  readonly archiveRetentionMs: number;
  readonly maintenanceIntervalMs: number;
  readonly archiveDir: string;
  /** Ed25519 public key (hex) → key id, for heads and manifests signed by earlier keys. */
  readonly trustedKeys: ReadonlyMap<string, string>;
  /** The log's name: the origin line of every signed tree head. Never changes for a ledger. */
  readonly origin: string;
  /** A copy of the last trusted head kept outside the data directory, if any. */
  readonly trustedHeadFile: string | undefined;
  readonly subscriberMaxBufferedEntries: number;
  readonly subscriberMaxBufferedBytes: number;
}

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

/** Reads the ledger settings; problems are appended to `problems` like every other variable's. */
export function loadLedgerConfig(env: NodeJS.ProcessEnv, int: IntReader, problems: string[], dataDir: string): LedgerConfig {
  const trusted = parseTrustedKeys(env.CORTEX_LEDGER_TRUSTED_KEYS ?? '');
  problems.push(...trusted.problems.map((p) => `CORTEX_LEDGER_TRUSTED_KEYS: ${p}`));
  const archiveDir = env.CORTEX_LEDGER_ARCHIVE_DIR; // empty means unset, as for the numbers
  return {
    checkpointEvery: int('CORTEX_LEDGER_CHECKPOINT_ENTRIES', 1000, 1, 10_000_000),
    checkpointIntervalMs: int('CORTEX_LEDGER_CHECKPOINT_INTERVAL_MS', 60_000, 10, 86_400_000),
    segmentEntries: int('CORTEX_LEDGER_SEGMENT_ENTRIES', 100_000, 1, 100_000_000),
    segmentMaxAgeMs: int('CORTEX_LEDGER_SEGMENT_MAX_AGE_MS', 86_400_000, 10, 366 * 86_400_000),
    liveSegments: int('CORTEX_LEDGER_LIVE_SEGMENTS', 1, 0, 100_000),
    archiveRetentionMs: int('CORTEX_LEDGER_ARCHIVE_RETENTION_DAYS', 0, 0, 36_500) * 86_400_000,
    archiveDir: resolve(archiveDir === undefined || archiveDir === '' ? join(dataDir, 'ledger', 'archive') : archiveDir),
    maintenanceIntervalMs: int('CORTEX_LEDGER_MAINTENANCE_INTERVAL_MS', 1000, 10, 3_600_000),
    trustedKeys: trusted.keys,
    origin: origin(env.CORTEX_LEDGER_ORIGIN, problems),
    trustedHeadFile: env.CORTEX_LEDGER_TRUSTED_HEAD_FILE ? resolve(env.CORTEX_LEDGER_TRUSTED_HEAD_FILE) : undefined,
    subscriberMaxBufferedEntries: int('CORTEX_LEDGER_SUBSCRIBER_MAX_BUFFERED', 10_000, 10, 10_000_000),
    subscriberMaxBufferedBytes: int('CORTEX_LEDGER_SUBSCRIBER_MAX_BUFFERED_BYTES', 16 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  };
}

/** A signed-note key name (https://c2sp.org/signed-note): what a key id must be to sign heads. */
export const KEY_ID_PATTERN = /^[^\s+]{1,64}$/;

function origin(raw: string | undefined, problems: string[]): string {
  const value = raw ?? 'cortex.ledger';
  // The origin is the first line of every signed head: one printable line.
  if (!/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(value)) problems.push(`CORTEX_LEDGER_ORIGIN="${value.slice(0, 40)}" must be 1-200 printable ASCII characters, not starting with a space`);
  return value;
}

/**
 * Parses CORTEX_LEDGER_TRUSTED_KEYS (and `cortex ledger verify --trust`): comma-separated
 * `key_id:public_key_hex` pairs, the public keys of earlier signing keys, so checkpoints signed
 * before a key rotation still verify.
 */
export function parseTrustedKeys(raw: string): { keys: Map<string, string>; problems: string[] } {
  const keys = new Map<string, string>();
  const problems: string[] = [];
  for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = pair.lastIndexOf(':');
    const keyId = pair.slice(0, at);
    const publicKey = pair.slice(at + 1).toLowerCase();
    if (at <= 0 || !/^[0-9a-f]{64}$/.test(publicKey) || !KEY_ID_PATTERN.test(keyId)) {
      problems.push(`trusted key "${pair.slice(0, 24)}" must be key_id:<64 hex characters of an Ed25519 public key>, the key id without spaces or "+"`);
      continue;
    }
    keys.set(publicKey, keyId);
  }
  return { keys, problems };
}
