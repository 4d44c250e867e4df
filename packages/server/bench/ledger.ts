// Ledger benchmark: append throughput, Verify speed, fan-out latency to many subscribers, and
// restart-to-serving time with a large ledger.
// Usage: npx tsx bench/ledger.ts [--only=append,verify,fanout,restart] [--entries=1000000]
//          [--memories=100000] [--subscribers=200] [--rate=500] [--seconds=5]
// Prints one JSON document on stdout; progress goes to stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import winston from 'winston';
import { LedgerServiceClient, SubscribeRequest, type SubscribeResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { quantizeVector } from '../src/index/index.js';
import { createArchive } from '../src/ledger/archive.js';
import { createCheckpointStore } from '../src/ledger/checkpoints.js';
import { createLedger, type LedgerEvent } from '../src/ledger/index.js';
import { createLedgerMaintenance } from '../src/ledger/maintenance.js';
import { createSegmentStore } from '../src/ledger/segments.js';
import { createSigner } from '../src/ledger/signing.js';
import { createVerifier } from '../src/ledger/verify.js';
import { createTransactor, openDatabase } from '../src/storage/index.js';
import { TEST_MODEL, TEST_MODEL_DIR } from '../test/harness.js';
import { option, percentile, progress, round } from './lib/cli.js';

const only = new Set(option('only', 'append,verify,fanout,restart').split(','));
const restartEntries = Number(option('entries', '1000000'));
const restartMemories = Number(option('memories', '100000'));
const subscribers = Number(option('subscribers', '200'));
const rate = Number(option('rate', '500'));
const seconds = Number(option('seconds', '5'));

const SERVER_DIR = join(import.meta.dirname, '..');
const SIGNING_KEY = 'ledger-benchmark-signing-key-0123456789';
const silent = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

function event(i: number): LedgerEvent {
  return {
    namespace: `ns-${i % 16}`,
    actor: 'bench',
    action: 'memory.created',
    subject: `memory-${i}`,
    agentId: `agent-${i % 64}`,
    payload: { contentHash: 'ab'.repeat(32), kind: 'note', importance: 0.5, pinned: false },
    correlationId: `req-${i}`,
  };
}

function openBenchLedger(dir: string) {
  const db = openDatabase({ path: join(dir, 'cortex.db') });
  const transact = createTransactor(db);
  const signer = createSigner(SIGNING_KEY, 'bench');
  const checkpoints = createCheckpointStore(db);
  const ledger = createLedger({ db, clock: Date.now, checkpoints: { signer, store: checkpoints, every: 1000 } });
  return { db, transact, signer, checkpoints, ledger };
}

function appendAll(l: ReturnType<typeof openBenchLedger>, entries: number, batch: number): number {
  const start = performance.now();
  for (let done = 0; done < entries; done += batch) {
    l.transact((tx) => l.ledger.append(tx, Array.from({ length: Math.min(batch, entries - done) }, (_, k) => event(done + k))));
  }
  return performance.now() - start;
}

async function benchAppendAndVerify() {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-bench-ledger-'));
  try {
    const l = openBenchLedger(dir);
    const out: Record<string, unknown> = {};
    if (only.has('append')) {
      progress('append: single-entry transactions');
      const single = 20_000;
      const singleMs = appendAll(l, single, 1);
      progress('append: 100-entry transactions');
      const batched = 200_000;
      const batchedMs = appendAll(l, batched, 100);
      out.append = {
        singleEntryTx: { entries: single, entriesPerSec: Math.round(single / (singleMs / 1000)) },
        batchedTx100: { entries: batched, entriesPerSec: Math.round(batched / (batchedMs / 1000)) },
        note: 'ledger.append inside a real SQLite transaction (WAL, synchronous=NORMAL), checkpoint signed every 1000 entries',
      };
    } else {
      appendAll(l, 220_000, 100);
    }
    if (only.has('verify')) {
      const segments = createSegmentStore(l.db);
      const archive = createArchive(join(dir, 'archive'));
      const trusted = new Map([[l.signer.publicKey, 'bench']]);
      const verifier = () => createVerifier({ ledger: l.ledger, segments, checkpoints: l.checkpoints, archive, trustedKeys: trusted });
      progress('verify: live database');
      let start = performance.now();
      const live = await verifier()({});
      const liveMs = performance.now() - start;
      if (!live.ok) throw new Error(`verify failed: ${live.reason}`);
      progress('verify: sealing and archiving (100k-entry segments)');
      const maintenance = createLedgerMaintenance({
        ...l,
        segments,
        archive,
        clock: Date.now,
        logger: silent,
        settings: {
          checkpointEvery: 1000,
          checkpointIntervalMs: 60_000,
          segmentEntries: 100_000,
          segmentMaxAgeMs: 86_400_000,
          liveSegments: 0,
          archiveRetentionMs: 0,
          maintenanceIntervalMs: 60_000,
        },
      });
      start = performance.now();
      await maintenance.runOnce();
      const archiveMs = performance.now() - start;
      progress('verify: archive + live tail');
      start = performance.now();
      const archived = await verifier()({});
      const archivedMs = performance.now() - start;
      if (!archived.ok) throw new Error(`verify failed: ${archived.reason}`);
      const archivedEntries = segments.archived().reduce((n, s) => n + s.entryCount, 0);
      out.verify = {
        liveDatabase: {
          entries: live.entriesChecked,
          checkpoints: live.checkpointsChecked,
          entriesPerSec: Math.round(live.entriesChecked / (liveMs / 1000)),
        },
        archivePlusLive: {
          entries: archived.entriesChecked,
          fromArchive: archivedEntries,
          entriesPerSec: Math.round(archived.entriesChecked / (archivedMs / 1000)),
        },
        sealAndArchive: {
          entries: archivedEntries,
          ms: Math.round(archiveMs),
          entriesPerSec: Math.round(archivedEntries / (archiveMs / 1000)),
        },
      };
    }
    l.db.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly servingMs: number;
  readonly logs: Array<{ message?: string; timestamp?: string }>;
  readonly exit: Promise<number | null>;
}

async function startServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      CORTEX_DATA_DIR: dataDir,
      CORTEX_EMBEDDING_MODEL: TEST_MODEL,
      CORTEX_MODEL_DIR: TEST_MODEL_DIR,
      CORTEX_PORT: '0',
      CORTEX_METRICS_PORT: '0',
      CORTEX_HOST: '127.0.0.1',
      CORTEX_LOG_LEVEL: 'info',
      CORTEX_SIGNING_KEY: SIGNING_KEY,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const logs: Server['logs'] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { message?: string; grpcPort?: number };
        if (entry.message !== 'rpc') logs.push(entry);
        if (entry.message === 'cortex serving' && entry.grpcPort) resolve(entry.grpcPort);
      } catch {
        // not JSON
      }
    });
  });
  return { child, port, servingMs: performance.now() - started, logs, exit };
}

async function firstAnswerMs(port: number, since: number): Promise<number> {
  const client = new LedgerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    client.getEntries({ fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' }, (error) => (error ? reject(error) : resolve())),
  );
  client.close();
  return performance.now() - since;
}

async function stop(server: Server, signal: NodeJS.Signals): Promise<void> {
  server.child.kill(signal);
  await server.exit;
}

async function benchFanout() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-fanout-'));
  const server = await startServer(dataDir);
  try {
    const address = `127.0.0.1:${server.port}`;
    const channels = Array.from({ length: Math.min(20, subscribers) }, () =>
      new LedgerServiceClient(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    );
    const writer = new LedgerServiceClient(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    const total = rate * seconds;
    const latencies: number[] = [];
    const received = Array.from({ length: subscribers }, () => [] as number[]);
    let ready = 0;
    const streams = received.map((seqs, i) => {
      const stream = channels[i % channels.length]!.subscribe(SubscribeRequest.fromPartial({ fromSeq: 1 }));
      stream.on('data', (message: SubscribeResponse) => {
        const now = performance.timeOrigin + performance.now();
        if (message.progress?.headSeq === 0) ready += 1;
        for (const entry of message.commit?.entries ?? []) {
          seqs.push(entry.seq);
          latencies.push(now - (entry.time?.getTime() ?? now));
        }
      });
      stream.on('error', () => undefined);
      return stream;
    });
    while (ready < subscribers) await new Promise((r) => setTimeout(r, 10));
    progress(`fanout: ${subscribers} subscribers ready; writing ${rate} tx/s for ${seconds}s`);
    const start = performance.now();
    let sent = 0;
    const record = () =>
      new Promise<void>((resolve, reject) =>
        writer.record(
          { namespace: 'bench', actor: 'bench', action: 'bench.write', subject: `s-${sent}`, agentId: '', payloadJson: '{"k":1}' },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    const inflight: Array<Promise<void>> = [];
    while (sent < total) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < Math.min(due, total)) {
        sent += 1;
        inflight.push(record());
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(inflight);
    const writeMs = performance.now() - start;
    while (received.some((s) => s.length < total) && performance.now() - start < writeMs + 30_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const stream of streams) stream.cancel();
    for (const c of [...channels, writer]) c.close();
    const sorted = latencies.sort((a, b) => a - b);
    const complete = received.filter((s) => s.length === total && s.every((seq, i) => seq === i + 1)).length;
    return {
      subscribers,
      writeRateTxPerSec: rate,
      achievedTxPerSec: Math.round(total / (writeMs / 1000)),
      entriesWritten: total,
      deliveries: latencies.length,
      subscribersWithEveryEntryInOrder: complete,
      commitToDeliveryMs: {
        p50: round(percentile(sorted, 0.5), 1),
        p99: round(percentile(sorted, 0.99), 1),
        max: round(sorted.at(-1) ?? Number.NaN, 1),
      },
      note: 'server in its own process; latency = client receive time - entry time (server clock at append, ms resolution), all on one machine',
    };
  } finally {
    await stop(server, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchRestart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-restart-'));
  const emptyDir = mkdtempSync(join(tmpdir(), 'cortex-bench-empty-'));
  try {
    progress(`restart: building ${restartEntries} ledger entries and ${restartMemories} memories`);
    const l = openBenchLedger(dataDir);
    const buildMs = appendAll(l, restartEntries, 1000);
    insertMemories(l.db, restartMemories);
    l.db.close();

    progress('restart: baseline start on an empty data directory');
    const baseline = await startServer(emptyDir);
    await stop(baseline, 'SIGTERM');

    progress('restart: first start (builds the vector index, archives the ledger backlog)');
    const first = await startServer(dataDir);
    const segments = Math.floor(restartEntries / 100_000);
    const archiveStart = performance.now();
    while (first.logs.filter((e) => e.message === 'ledger segment archived').length < segments) await new Promise((r) => setTimeout(r, 50));
    const archiveBacklogMs = performance.now() - archiveStart;
    await stop(first, 'SIGTERM');

    progress('restart: graceful restart');
    let since = performance.now();
    const second = await startServer(dataDir);
    const secondAnswer = await firstAnswerMs(second.port, since);
    await stop(second, 'SIGKILL');

    progress('restart: restart after kill -9');
    since = performance.now();
    const third = await startServer(dataDir);
    const thirdAnswer = await firstAnswerMs(third.port, since);
    await stop(third, 'SIGTERM');

    return {
      ledgerEntries: restartEntries,
      memories: restartMemories,
      buildLedgerMs: Math.round(buildMs),
      emptyDataDirServingMs: Math.round(baseline.servingMs),
      firstStartServingMs: Math.round(first.servingMs),
      firstStartArchiveBacklogMs: Math.round(archiveBacklogMs),
      restartToServingMs: Math.round(second.servingMs),
      restartToFirstAnswerMs: Math.round(secondAnswer),
      afterKill9ToServingMs: Math.round(third.servingMs),
      afterKill9ToFirstAnswerMs: Math.round(thirdAnswer),
      note: 'wall time from spawning `node --import tsx src/main.ts serve` (includes tsx start-up and model load: compare emptyDataDirServingMs). Memories are inserted as rows with random int8 vectors, so the vector index is built on first start and loaded from its file after.',
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  }
}

function insertMemories(db: ReturnType<typeof openDatabase>, count: number): void {
  if (count === 0) return;
  const insert = db.prepare(
    `INSERT INTO memories (namespace, id, agent_id, content, kind, tags, metadata, importance, tier, pinned, created_at, updated_at,
       last_accessed_at, access_count, expires_at, version, content_hash)
     VALUES (?, ?, ?, ?, 'note', '[]', '{}', 0.5, 1, 0, ?, ?, ?, 0, NULL, 1, ?)`,
  );
  const chunk = db.prepare('INSERT INTO memory_chunks (row_id, chunk_index, vector) VALUES (?, 0, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < count; i += 1) {
      const { lastInsertRowid } = insert.run(`ns-${i % 16}`, `m-${i}`, `agent-${i % 64}`, `synthetic memory number ${i} about topic ${i % 500}`, now, now, now, randomBytes(16).toString('hex'));
      const v = new Float32Array(384);
      let norm = 0;
      for (let d = 0; d < 384; d += 1) {
        v[d] = Math.random() - 0.5;
        norm += v[d]! ** 2;
      }
      for (let d = 0; d < 384; d += 1) v[d] = v[d]! / Math.sqrt(norm);
      chunk.run(lastInsertRowid, quantizeVector(v));
    }
  })();
}

const result: Record<string, unknown> = { node: process.version };
if (only.has('append') || only.has('verify')) Object.assign(result, await benchAppendAndVerify());
if (only.has('fanout')) result.fanout = await benchFanout();
if (only.has('restart')) result.restart = await benchRestart();
console.log(JSON.stringify(result, null, 2));
