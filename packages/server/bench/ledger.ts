// Ledger benchmark: append throughput, Verify speed, Merkle proof generation and verification,
// start-up verification time, fan-out latency to many subscribers, and restart-to-serving time
// with a large ledger.
// Usage: npx tsx bench/ledger.ts [--only=append,verify,proofs,startup,fanout,restart] [--entries=1000000]
//          [--proof-entries=1000000] [--memories=100000] [--subscribers=200] [--rate=500] [--seconds=5]
// Prints one JSON document on stdout; progress goes to stderr.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { LedgerServiceClient, SubscribeRequest, type SubscribeResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { quantizeVector } from '../src/index/index.js';
import { parseHead } from '../src/ledger/heads.js';
import type { LedgerEvent } from '../src/ledger/index.js';
import { entryLeafHash, rootFromInclusionProof, verifyConsistency } from '../src/ledger/merkle.js';
import { openLedgerStores } from '../src/ledger/stores.js';
import { openDatabase } from '../src/storage/index.js';
import { option, percentile, progress, round } from './lib/cli.js';
import { startServerProcess, type ServerProcess } from './lib/load/server-process.js';
import { openDataDirLedger, type DataDirLedger } from '../src/ledger/test-helpers.js';

const only = new Set(option('only', 'append,verify,proofs,startup,fanout,restart').split(','));
const restartEntries = Number(option('entries', '1000000'));
const proofEntries = Number(option('proof-entries', '1000000'));
const restartMemories = Number(option('memories', '100000'));
const subscribers = Number(option('subscribers', '200'));
const rate = Number(option('rate', '500'));
const seconds = Number(option('seconds', '5'));

/** The server's log message for each segment moved to the archive. */
const SEGMENT_ARCHIVED = 'ledger segment archived';
const SIGNING_KEY = 'ledger-benchmark-signing-key-0123456789';
/** The server's defaults, written out: a head every 1000 entries, segments of 100k. */
const LEDGER_ENV = {
  CORTEX_SIGNING_KEY: SIGNING_KEY,
  CORTEX_SIGNING_KEY_ID: 'bench',
  CORTEX_LEDGER_CHECKPOINT_ENTRIES: '1000',
  CORTEX_LEDGER_SEGMENT_ENTRIES: '100000',
  CORTEX_LEDGER_LIVE_SEGMENTS: '0',
};

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

async function withLedger<T>(use: (ledger: DataDirLedger, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-bench-ledger-'));
  try {
    const ledger = await openDataDirLedger(dir, LEDGER_ENV);
    try {
      return await use(ledger, dir);
    } finally {
      await ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchAppendAndVerify() {
  return withLedger(async (l) => {
    const out: Record<string, unknown> = {};
    if (only.has('append')) {
      progress('append: single-entry transactions');
      const single = 20_000;
      const singleMs = l.append(single, 1, event);
      progress('append: 100-entry transactions');
      const batched = 200_000;
      const batchedMs = l.append(batched, 100, event);
      out.append = {
        singleEntryTx: { entries: single, entriesPerSec: Math.round(single / (singleMs / 1000)) },
        batchedTx100: { entries: batched, entriesPerSec: Math.round(batched / (batchedMs / 1000)) },
        note: 'ledger.append inside a real SQLite transaction (WAL, synchronous=NORMAL): entries, their Merkle nodes and the sealed tip; a head signed every 1000 entries',
      };
    } else {
      l.append(220_000, 100, event);
    }
    if (only.has('verify')) {
      progress('verify: live database');
      let start = performance.now();
      const live = await l.system.verify({});
      const liveMs = performance.now() - start;
      if (!live.ok) throw new Error(`verify failed: ${live.reason}`);
      progress('verify: sealing and archiving (100k-entry segments)');
      start = performance.now();
      await l.system.maintenance.runOnce();
      const archiveMs = performance.now() - start;
      progress('verify: archive + live tail');
      start = performance.now();
      const archived = await l.system.verify({});
      const archivedMs = performance.now() - start;
      if (!archived.ok) throw new Error(`verify failed: ${archived.reason}`);
      const fromArchive = l.system.ledger.oldestLiveSeq() - 1;
      out.verify = {
        liveDatabase: {
          entries: live.entriesChecked,
          heads: live.checkpointsChecked,
          entriesPerSec: perSecond(live.entriesChecked, liveMs),
        },
        archivePlusLive: { entries: archived.entriesChecked, fromArchive, entriesPerSec: perSecond(archived.entriesChecked, archivedMs) },
        sealAndArchive: { entries: fromArchive, ms: Math.round(archiveMs), entriesPerSec: perSecond(fromArchive, archiveMs) },
        note: 'Verify recomputes every hash, link and Merkle node and checks every signed head, manifest and the tip',
      };
    }
    return out;
  });
}

const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000));

/** Random integers in [lo, hi], reproducible. */
function sampler(seed: number) {
  let x = seed;
  return (lo: number, hi: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return lo + (x % (hi - lo + 1));
  };
}

/** Proof generation from the stored tree (what the RPCs do) and verification (what a client does), at proofEntries. */
async function benchProofs() {
  return withLedger((l) => {
    progress(`proofs: building a ledger of ${proofEntries} entries`);
    l.append(proofEntries, 1000, event);
    const newest = parseHead(openLedgerStores(l.db).heads.newest()!.note)!;
    const n = newest.treeSize;
    const random = sampler(7);
    const count = 20_000;
    const inclusion = Array.from({ length: count }, () => random(1, n));
    let start = performance.now();
    const paths = inclusion.map((seq) => l.system.proofs.inclusion(seq, n).hashes);
    const inclusionMs = performance.now() - start;
    const leaves = inclusion.map((seq) => entryLeafHash(l.system.ledger.entries(seq, seq, 1)[0]!.hash));
    start = performance.now();
    paths.forEach((path, i) => {
      if (!rootFromInclusionProof(leaves[i]!, inclusion[i]! - 1, n, path)?.equals(newest.rootHash)) throw new Error('inclusion proof failed');
    });
    const inclusionVerifyMs = performance.now() - start;

    const heads = openLedgerStores(l.db).heads.range(1, n).map((h) => parseHead(h.note)!);
    const pairs = Array.from({ length: count }, () => heads[random(0, heads.length - 1)]!);
    start = performance.now();
    const proofs = pairs.map((old) => l.system.proofs.consistency(old.treeSize, n).hashes);
    const consistencyMs = performance.now() - start;
    start = performance.now();
    proofs.forEach((proof, i) => {
      if (!verifyConsistency(pairs[i]!.treeSize, n, pairs[i]!.rootHash, newest.rootHash, proof)) throw new Error('consistency proof failed');
    });
    const consistencyVerifyMs = performance.now() - start;
    const meanLength = (all: ReadonlyArray<readonly unknown[]>) => round(all.reduce((sum, p) => sum + p.length, 0) / count, 1);
    return Promise.resolve({
      treeSize: n,
      proofs: count,
      inclusion: {
        generatedPerSec: perSecond(count, inclusionMs),
        verifiedPerSec: perSecond(count, inclusionVerifyMs),
        meanHashes: meanLength(paths),
      },
      consistency: {
        generatedPerSec: perSecond(count, consistencyMs),
        verifiedPerSec: perSecond(count, consistencyVerifyMs),
        meanHashes: meanLength(proofs),
      },
      note: 'generation reads O(log n) stored nodes from SQLite per proof (the code behind GetInclusionProof / GetConsistencyProof, without gRPC); verification is RFC 9162 section 2.1.3.2 / 2.1.4.2',
    });
  });
}

/** Start-up verification at proofEntries: after a clean stop, after a crash that left an unsigned tail, and a full Verify to compare. */
async function benchStartup() {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-bench-startup-'));
  try {
    progress(`startup: building a ledger of ${proofEntries} entries`);
    let l = await openDataDirLedger(dir, LEDGER_ENV);
    l.append(proofEntries, 1000, event);
    await l.close();
    const timed = async () => {
      const start = performance.now();
      const ledger = await openDataDirLedger(dir, LEDGER_ENV);
      const ms = performance.now() - start;
      if (!ledger.system.integrity.writable()) throw new Error(`start-up verification failed: ${JSON.stringify(ledger.system.integrity.state())}`);
      return { ledger, ms };
    };
    progress('startup: after a clean stop');
    let run = await timed();
    const cleanMs = run.ms;
    const tail = 999;
    run.ledger.append(tail, 1, event);
    run.ledger.db.close(); // a crash: no final head, the tail is sealed only by the tip
    progress(`startup: after a crash that left ${tail} entries unsigned`);
    run = await timed();
    const crashMs = run.ms;
    progress('startup: full verification for comparison');
    const start = performance.now();
    const full = await run.ledger.system.verify({});
    const fullMs = performance.now() - start;
    l = run.ledger;
    await l.close();
    return {
      entries: full.headSeq,
      afterCleanStopMs: Math.round(cleanMs),
      afterCrashWithUnsignedTailMs: Math.round(crashMs),
      unsignedTail: tail,
      fullVerifyMs: Math.round(fullMs),
      note: 'opening the ledger subsystem and running its start-up verification from the last trusted head (the data directory file), in process; a full Verify walks every entry',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A server process with the benchmark's signing key. */
function startServer(dataDir: string): Promise<ServerProcess> {
  return startServerProcess(dataDir, {
    env: { CORTEX_SIGNING_KEY: SIGNING_KEY, CORTEX_SIGNING_KEY_ID: LEDGER_ENV.CORTEX_SIGNING_KEY_ID },
    countMessages: [SEGMENT_ARCHIVED],
  });
}

async function firstAnswerMs(address: string, since: number): Promise<number> {
  const client = new LedgerServiceClient(address, credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    client.getEntries({ fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' }, (error) => (error ? reject(error) : resolve())),
  );
  client.close();
  return performance.now() - since;
}

async function benchFanout() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-fanout-'));
  const server = await startServer(dataDir);
  try {
    const { address } = server;
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
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchRestart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-restart-'));
  const emptyDir = mkdtempSync(join(tmpdir(), 'cortex-bench-empty-'));
  try {
    progress(`restart: building ${restartEntries} ledger entries and ${restartMemories} memories`);
    const l = await openDataDirLedger(dataDir, LEDGER_ENV);
    const buildMs = l.append(restartEntries, 1000, event);
    await l.close();
    const db = openDatabase({ path: join(dataDir, 'cortex.db') });
    insertMemories(db, restartMemories);
    db.close();

    progress('restart: baseline start on an empty data directory');
    const baseline = await startServer(emptyDir);
    await baseline.stop();

    progress('restart: first start (builds the vector index, archives the ledger backlog)');
    const first = await startServer(dataDir);
    const segments = Math.floor(restartEntries / 100_000);
    const archiveStart = performance.now();
    while (first.messageCount(SEGMENT_ARCHIVED) < segments) await new Promise((r) => setTimeout(r, 50));
    const archiveBacklogMs = performance.now() - archiveStart;
    await first.stop();

    progress('restart: graceful restart');
    let since = performance.now();
    const second = await startServer(dataDir);
    const secondAnswer = await firstAnswerMs(second.address, since);
    await second.stop('SIGKILL');

    progress('restart: restart after kill -9');
    since = performance.now();
    const third = await startServer(dataDir);
    const thirdAnswer = await firstAnswerMs(third.address, since);
    await third.stop();

    return {
      ledgerEntries: restartEntries,
      memories: restartMemories,
      buildLedgerMs: Math.round(buildMs),
      emptyDataDirServingMs: Math.round(baseline.startMs),
      firstStartServingMs: Math.round(first.startMs),
      firstStartArchiveBacklogMs: Math.round(archiveBacklogMs),
      restartToServingMs: Math.round(second.startMs),
      restartToFirstAnswerMs: Math.round(secondAnswer),
      afterKill9ToServingMs: Math.round(third.startMs),
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
if (only.has('proofs')) result.proofs = await benchProofs();
if (only.has('startup')) result.startup = await benchStartup();
if (only.has('fanout')) result.fanout = await benchFanout();
if (only.has('restart')) result.restart = await benchRestart();
console.log(JSON.stringify(result, null, 2));
