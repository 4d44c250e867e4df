// Fixtures shared by the memory-tier tests (not part of the public API): the memory service over a
// real SQLite file and HNSW index, with a bag-of-words embedder and a clock the test moves.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { TIER_DEFAULTS, type TierConfig } from '../config/index.js';
import type { Embedder } from '../embedding/index.js';
import type { Ledger } from '../ledger/index.js';
import { createTestLedger } from '../ledger/test-helpers.js';
import { createTransactor, openDatabase, type Db } from '../storage/index.js';
import type { ColdTier } from './cold.js';
import type { HotTier } from './hot-tier.js';
import type { MemoryInput, MemoryService } from './index.js';
import { createMemoryLayer } from './layer.js';
import type { Maintenance } from './maintenance.js';
import { createMemoryStore } from './store/index.js';
import { createMemoryVectors, type MemoryVectors } from './vectors.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2025, 0, 1);
export const CTX = { actor: 'tester', correlationId: 'test' };

const DIMENSIONS = 64;

/** Hashes each word into one of 64 dimensions: texts sharing words are close, others nearly orthogonal. */
export function bagOfWordsEmbedder(): Embedder {
  const embedOne = (text: string) => {
    const v = new Float32Array(DIMENSIONS);
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      v[createHash('sha256').update(word).digest()[0]! % DIMENSIONS]! += 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  };
  return {
    modelId: 'bag-of-words-test',
    dimensions: DIMENSIONS,
    embed: async (texts) => texts.map(embedOne),
    countTokens: (text) => text.split(/\s+/).length,
    chunk: (text) => [text],
    check: async () => undefined,
    close: async () => undefined,
  };
}

export function input(id: string, content: string, extra: Partial<MemoryInput> = {}): MemoryInput {
  return { id, agentId: '', content, kind: '', tags: [], metadata: {}, expiresAt: null, pinned: false, ...extra };
}

export interface TierFixture {
  readonly dir: string;
  readonly db: Db;
  readonly ledger: Ledger;
  readonly vectors: MemoryVectors;
  readonly hotTier: HotTier;
  readonly coldTier: ColdTier;
  readonly memories: MemoryService;
  readonly maintenance: Maintenance;
  now(): number;
  advance(ms: number): void;
  /** Ledger entries of one action, oldest first, payload parsed. */
  entries(action: string): Array<{ subject: string; actor: string; payload: Record<string, unknown> }>;
  tierOf(id: string, namespace?: string): number | undefined;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TierFixtureOptions {
  /** Over the production defaults, with the periodic maintenance job off (tests run it). */
  readonly tiers?: Partial<TierConfig>;
  /** Reuse a data directory (restart). */
  readonly dir?: string;
  readonly start?: number;
}

export async function openTierFixture(options: TierFixtureOptions = {}): Promise<TierFixture> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cortex-tiers-'));
  let time = options.start ?? T0;
  const clock = () => time;
  const db = openDatabase({ path: join(dir, 'cortex.db') });
  const transact = createTransactor(db);
  const ledger = createTestLedger(db, clock);
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const store = createMemoryStore(db);
  const vectors = await createMemoryVectors({
    db,
    store,
    embedder: bagOfWordsEmbedder(),
    logger,
    indexPath: join(dir, 'vectors.hnsw'),
    saveIntervalMs: 3_600_000,
  });
  const { hotTier, coldTier, access, maintenance, memories } = createMemoryLayer({
    db,
    store,
    transact,
    ledger,
    vectors,
    clock,
    logger,
    tiers: { ...TIER_DEFAULTS, maintenanceIntervalMs: 0, ...options.tiers },
  });
  const actions = db.prepare<[string], { subject: string; actor: string; payload: string }>(
    'SELECT subject, actor, payload FROM ledger WHERE action = ? ORDER BY seq',
  );
  const tier = db.prepare<[string, string], { tier: number }>('SELECT tier FROM memories WHERE namespace = ? AND id = ?');
  return {
    dir,
    db,
    ledger,
    vectors,
    hotTier,
    coldTier,
    memories,
    maintenance,
    now: clock,
    advance: (ms) => {
      time += ms;
    },
    entries: (action) =>
      actions.all(action).map((e) => ({ subject: e.subject, actor: e.actor, payload: JSON.parse(e.payload) as Record<string, unknown> })),
    tierOf: (id, namespace = 'ns') => tier.get(namespace, id)?.tier,
    async close({ keepData = false } = {}) {
      await maintenance.stop();
      await access.stop();
      await vectors.stop();
      db.close();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
