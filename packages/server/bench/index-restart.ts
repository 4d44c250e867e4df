// Restart benchmark for the vector index: time until a server at 100k memories serves again
// (1) with its index file current, (2) after a kill -9 that left N changes unsaved (the file is
// loaded and the change log replayed), and (3) with the index rebuilt from SQLite.
//
// Usage: npx tsx bench/index-restart.ts [--memories 100000] [--ledger-entries 1000000] [--changes 1000,10000]
//   --memories        memories written through gRPC Remember before the restarts
//   --ledger-entries  ledger size at the restarts: entries beyond the memories' own are appended
//                     directly before the writes (0 for none beyond them)
//   --changes         unsaved changes before each kill -9, a comma-separated list
// Prints one JSON document on stdout; progress goes to stderr.
//
// The data goes in as in bench/recall.ts: synthetic texts through the real Remember path, their
// clustered synthetic vectors put in the server's embedding cache first so nothing runs the model
// 100k times. The crashed server is its own process (`cortex serve`, index saves every 24 h) killed
// with SIGKILL after its writes; every measured start is startCortex in this process, model load
// included, until it serves.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { createSqliteEmbeddingCache, embeddingCacheKey } from '../src/embedding/index.js';
import { loadModelFiles } from '../src/embedding/model-files.js';
import { MODELS } from '../src/embedding/models.js';
import { MemoryServiceClient, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { generateClusteredVectors } from '../src/index/synthetic-vectors.js';
import type { LedgerEvent } from '../src/ledger/index.js';
import { openDatabase } from '../src/storage/index.js';
import { call, TEST_MODEL, TEST_MODEL_DIR } from '../test/harness.js';
import { option, progress, round } from './lib/cli.js';
import { openDataDirLedger } from '../src/ledger/test-helpers.js';
import { startInProcessServer, type InProcessServer } from './lib/in-process-server.js';
import { createSyntheticText } from './lib/synthetic-text.js';

const DIMENSIONS = 384;
const BATCH = 500;
const NAMESPACE = 'bench';
const SIGNING_KEY = 'index-restart-benchmark-signing-key-0123';
const SIGNING_KEY_ID = 'bench';
const SERVER_DIR = join(import.meta.dirname, '..');

const memories = Number(option('memories', '100000'));
const ledgerEntries = Number(option('ledger-entries', '1000000'));
const changeCounts = option('changes', '1000,10000').split(',').map(Number);
/** Texts the crash rounds write: fresh memories and new content for existing ones. */
const extraTexts = changeCounts.reduce((sum, n) => sum + n, 0);

const text = createSyntheticText();
const memoryId = (i: number): string => `m${i}`;
const input = (id: string, textIndex: number): MemoryInput => ({
  id, agentId: '', content: text.memory(textIndex), kind: 'note', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [],
});

const serverEnv = {
  CORTEX_ENV: 'test',
  CORTEX_HOST: '127.0.0.1',
  CORTEX_PORT: '0',
  CORTEX_METRICS_PORT: '0',
  CORTEX_MODEL_DIR: TEST_MODEL_DIR,
  CORTEX_SIGNING_KEY: SIGNING_KEY,
  CORTEX_SIGNING_KEY_ID: SIGNING_KEY_ID,
};

/** `cortex serve` in its own process, never saving its index on its own, so SIGKILL leaves it behind. */
async function spawnServer(dataDir: string): Promise<{ client: MemoryServiceClient; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: { ...process.env, ...serverEnv, CORTEX_DATA_DIR: dataDir, CORTEX_LOG_LEVEL: 'info', CORTEX_INDEX_SAVE_INTERVAL_MS: '86400000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { message?: string; grpcPort?: number };
        if (entry.message === 'cortex serving' && entry.grpcPort) resolve(entry.grpcPort);
      } catch {
        // not JSON
      }
    });
  });
  const client = new MemoryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    async kill() {
      client.close();
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function ledgerEvent(i: number): LedgerEvent {
  return {
    namespace: `ns-${i % 16}`,
    actor: 'bench',
    action: 'memory.created',
    subject: `ledger-only-${i}`,
    agentId: `agent-${i % 64}`,
    payload: { contentHash: 'ab'.repeat(32), kind: 'note', importance: 0.5, pinned: false },
    correlationId: `req-${i}`,
  };
}

/** Appends `count` entries the way the server does (heads, tree, tip, trusted-head file), before it first starts. */
async function appendLedgerEntries(dataDir: string, count: number): Promise<number> {
  const started = performance.now();
  const ledger = await openDataDirLedger(dataDir, { CORTEX_SIGNING_KEY: SIGNING_KEY, CORTEX_SIGNING_KEY_ID: SIGNING_KEY_ID });
  try {
    ledger.append(count, 1000, ledgerEvent);
  } finally {
    await ledger.close();
  }
  return performance.now() - started;
}

function eventOf(events: ReadonlyArray<Record<string, unknown>>, message: string): Record<string, unknown> | undefined {
  return events.find((e) => e.message === message);
}

/** What one start reported about its vector index. */
function startup(server: InProcessServer) {
  const index =
    eventOf(server.events, 'vector index replayed') ?? eventOf(server.events, 'vector index loaded from disk') ?? eventOf(server.events, 'vector index rebuilt');
  const pick = (key: string) => (index?.[key] === undefined ? {} : { [key]: index[key] });
  return {
    source: server.cortex.vectorIndexSource,
    startMs: Math.round(server.startMs),
    indexMs: index?.ms,
    ...pick('loadMs'),
    ...pick('replayMs'),
    ...pick('changes'),
    ...pick('operations'),
    ...pick('from'),
    ...pick('to'),
    ...pick('reason'),
  };
}

/**
 * `n` unsaved changes, each one change_seq: 60% new memories, 20% re-embedded existing memories
 * (old chunk out, new one in), 20% forgotten memories. Returns the next unused text index.
 */
async function makeChanges(client: MemoryServiceClient, n: number, attempt: number, nextText: number): Promise<number> {
  const adds = Math.round(n * 0.6);
  const updates = Math.round(n * 0.2);
  const forgets = n - adds - updates;
  const fresh = Array.from({ length: adds }, (_, j) => input(`crash${attempt}-${j}`, nextText + j));
  nextText += adds;
  // Existing memories, spread over the id range; forgotten ones from a separate stretch.
  const stride = Math.max(1, Math.floor(memories / (2 * Math.max(updates, forgets) + 1)));
  const updated = Array.from({ length: updates }, (_, j) => input(memoryId((attempt * 7 + j * 2 * stride) % memories), nextText + j));
  nextText += updates;
  const forgotten = Array.from({ length: forgets }, (_, j) => memoryId((attempt * 7 + (j * 2 + 1) * stride) % memories));
  for (const batch of chunks([...fresh, ...updated], BATCH)) {
    await call(client.remember.bind(client), { namespace: NAMESPACE, memories: batch });
  }
  for (const ids of chunks(forgotten, BATCH)) await call(client.forget.bind(client), { namespace: NAMESPACE, ids, filter: undefined });
  return nextText;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const began = performance.now();
  const report: Record<string, unknown> = {
    benchmark: 'index-restart',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavgAtStart: loadavg().map((x) => round(x, 2)) },
    settings: { memories, ledgerEntries: Math.max(ledgerEntries, memories), unsavedChanges: changeCounts },
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-restart-'));
  try {
    progress(`generating ${memories + extraTexts} clustered vectors`);
    const set = generateClusteredVectors({ count: memories + extraTexts, dimensions: DIMENSIONS, seed: 20240611 });
    {
      const t = performance.now();
      const modelId = (await loadModelFiles(TEST_MODEL_DIR, MODELS[TEST_MODEL])).graph.modelId;
      const db = openDatabase({ path: join(dataDir, 'cortex.db') });
      const cache = createSqliteEmbeddingCache(db, modelId, { lruEntries: 1 });
      db.transaction(() => {
        for (let i = 0; i < memories + extraTexts; i += 1) cache.put(embeddingCacheKey(modelId, text.memory(i)), set.vectors[i]!);
      })();
      db.close();
      progress(`seeded embedding cache in ${Math.round(performance.now() - t)} ms`);
    }
    const ledgerOnly = Math.max(0, ledgerEntries - memories);
    if (ledgerOnly > 0) {
      progress(`appending ${ledgerOnly} ledger entries`);
      report.ledgerFillMs = Math.round(await appendLedgerEntries(dataDir, ledgerOnly));
    }

    progress(`ingesting ${memories} memories through gRPC Remember`);
    {
      const server = await startInProcessServer(dataDir, serverEnv);
      const t = performance.now();
      for (let i = 0; i < memories; i += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, memories - i) }, (_, j) => input(memoryId(i + j), i + j));
        await call(server.client.remember.bind(server.client), { namespace: NAMESPACE, memories: batch });
        if (i % 20_000 === 0 && i > 0) progress(`  ingested ${i}`);
      }
      report.ingestMs = Math.round(performance.now() - t);
      await server.stop();
    }

    progress('start-up with the index file current');
    let server = await startInProcessServer(dataDir, serverEnv);
    const fromDisk = startup(server);
    await server.stop();
    const indexFileBytes = statSync(join(dataDir, 'vectors.hnsw')).size;

    const afterCrash: Array<Record<string, unknown>> = [];
    let nextText = memories;
    for (const [attempt, n] of changeCounts.entries()) {
      progress(`kill -9 with ${n} unsaved changes, then start-up`);
      const crashed = await spawnServer(dataDir);
      const t = performance.now();
      nextText = await makeChanges(crashed.client, n, attempt, nextText);
      const writeMs = Math.round(performance.now() - t);
      await crashed.kill();
      server = await startInProcessServer(dataDir, serverEnv);
      afterCrash.push({ unsavedChanges: n, changesWrittenMs: writeMs, ...startup(server) });
      const saved = performance.now();
      await server.stop(); // saves the replayed index and prunes the log
      afterCrash.at(-1)!.stopWithSaveMs = Math.round(performance.now() - saved);
    }

    progress('start-up with the index rebuilt from SQLite (file removed)');
    rmSync(join(dataDir, 'vectors.hnsw'), { force: true });
    rmSync(join(dataDir, 'vectors.hnsw.meta.json'), { force: true });
    server = await startInProcessServer(dataDir, serverEnv);
    const rebuilt = startup(server);
    await server.stop();

    report.startup = { indexFileBytes, fromDisk, afterCrash, rebuiltFromSqlite: rebuilt };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.notes = [
    'startMs: startCortex until it serves (model load, ledger and database open included), in this process; indexMs: the vector index step alone, from its log event.',
    'afterCrash: a separate `cortex serve` (index saves every 24 h) loads the current file, takes the changes over gRPC, and is killed with SIGKILL; the next start loads that file and replays vector_index_log. Changes: 60% new memories, 20% re-embedded ones, 20% forgotten ones, one change_seq each.',
    'rebuiltFromSqlite: the index file removed, so every int8 chunk vector is read back and added one by one (what a crash cost before the change log).',
  ];
  report.totalSec = round((performance.now() - began) / 1000, 1);
  report.machine = { ...(report.machine as object), loadavgAtEnd: loadavg().map((x) => round(x, 2)) };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
