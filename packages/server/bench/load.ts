// Load benchmark (issue 11): a real server in its own process, filled with real conversation text
// (the LoCoMo dev turns) plus a synthetic bulk up to --memories, driven through gRPC by separate
// client processes, one row of the issue's table at a time. While it runs, the server's RSS and
// event-loop lag (cortex_event_loop_lag_seconds) are sampled every second.
//
// Usage: npm run bench:load -- [--quick] [--memories=100000] [--seconds=20] [--tool=ghz|node]
//          [--bulk-in=own|shared] [--only=row,row,...]
//   --quick     5,000 memories, 4 s rows, a short fan-out and context run: a smoke test
//   --tool      closed-loop Recall rows through ghz (default; installed by scripts/install-ghz.sh,
//               falls back to node without Go) or the Node load generator (bench/lib/load/driver.ts)
//   --bulk-in   own: the synthetic bulk lives in 8 other namespaces (other tenants; default);
//               shared: in the namespace the load queries
//   --only      rows to run (names as in the output), e.g. --only=recall-1-cached,remember-250
// Prints one JSON document on stdout; progress goes to stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag, option, percentile, progress, round } from './lib/cli.js';
import type { DriverResult, DriverSpec, Loop, Work } from './lib/load/driver.js';
import { ensureGhz, runGhz } from './lib/load/ghz.js';
import { startObserver, type Observer } from './lib/load/observer.js';
import { embeddingsOf } from './lib/embedding-file.js';
import { rememberAll, seedEmbeddingCache, syntheticVectors } from './lib/load/seed.js';
import { startServerProcess, type ServerProcess } from './lib/load/server-process.js';
import { loadTexts, type LoadTexts } from './lib/load/texts.js';
import { createSyntheticText } from './lib/synthetic-text.js';
import { TEST_MODEL } from '../test/harness.js';

const quick = flag('quick');
const totalMemories = Number(option('memories', quick ? '5000' : '100000'));
const rowMs = Number(option('seconds', quick ? '4' : '20')) * 1000;
const bulkIn = option('bulk-in', 'own');
const only = new Set(option('only', '').split(',').filter((row) => row !== ''));

const SERVER_DIR = join(import.meta.dirname, '..');
const DRIVER = join(import.meta.dirname, 'lib', 'load', 'driver.ts');
const NAMESPACE = 'locomo';
const TOP_K = 10;
const BULK_NAMESPACES = 8;
/** The open-loop row: agents sending 2 Recall/s each (fewer in a smoke run). */
const OPEN_AGENTS = quick ? 20 : 100;
/** "New" texts of different rows and processes never collide: each gets its own range. */
const OFFSET_PER_ROW = 10_000_000;
const OFFSET_PER_PROCESS = 1_000_000;

interface Context {
  readonly server: ServerProcess;
  readonly observer: Observer;
  readonly texts: LoadTexts;
  readonly ghz: string | undefined;
  row: number;
}

type Report = Record<string, unknown>;

function runDriver(spec: DriverSpec): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(spec)], { cwd: SERVER_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as DriverResult) : reject(new Error(`load driver exited with ${code}`))));
  });
}

/** Runs `processes` drivers of the same work side by side and merges what they measured. */
async function drive(ctx: Context, work: Work, loop: (process: number) => Loop, processes: number, durationMs = rowMs) {
  const base = ++ctx.row * OFFSET_PER_ROW;
  const specs = Array.from(
    { length: processes },
    (_, p): DriverSpec => ({ address: ctx.server.address, work, loop: loop(p), durationMs, offset: base + p * OFFSET_PER_PROCESS }),
  );
  const results = await Promise.all(specs.map(runDriver));
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const seconds = Math.max(...results.map((r) => r.elapsedMs)) / 1000;
  return {
    calls: ok + Object.values(errors).reduce((a, b) => a + b, 0),
    ok,
    errors,
    rps: round(ok / seconds, 1),
    items: results.reduce((n, r) => n + r.items, 0),
    seconds: round(seconds, 1),
    latencyMs: latencyMs(latencies),
    lateStarts: results.reduce((n, r) => n + r.lateStarts, 0),
    maxLateMs: round(Math.max(...results.map((r) => r.maxLateMs)), 1),
  };
}

function latencyMs(sorted: readonly number[]) {
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  const at = (p: number) => round(percentile(sorted, p), 2);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1) ?? Number.NaN, 2), mean: round(mean, 2) };
}

/** Times a row on the observer's clock and adds the server's lag and peak RSS over it. */
async function row(ctx: Context, name: string, target: string, run: () => Promise<Report>): Promise<Report | undefined> {
  if (only.size > 0 && !only.has(name)) return undefined;
  progress(`row ${name}`);
  const from = ctx.observer.now();
  const result = await run();
  const server = ctx.observer.over(from, ctx.observer.now());
  const report = { row: name, target, ...result, server };
  progress(`  ${JSON.stringify(report)}`);
  return report;
}

const recallWork = (queries: 'cached' | 'new', namespace = NAMESPACE): Work => ({ kind: 'recall', namespace, queries, topK: TOP_K });

/** Closed-loop HYBRID Recall by `clients` clients: through ghz when it is there, else Node drivers. */
async function recallClosed(ctx: Context, name: string, clients: number, queries: 'cached' | 'new'): Promise<Report> {
  if (ctx.ghz !== undefined) {
    // New queries: ghz fills in each call's number, so every text is one the server has not embedded.
    const suffix = queries === 'new' ? ` (asked as #{{.RequestNumber}} in ${name})` : '';
    const messages = ctx.texts.questions.map((q) => ({ namespace: NAMESPACE, query: `${q}${suffix}`, top_k: TOP_K, mode: 'RECALL_MODE_HYBRID' }));
    const result = await runGhz(ctx.ghz, { address: ctx.server.address, call: 'cortex.v1.MemoryService.Recall', concurrency: clients, durationMs: rowMs, messages });
    return { tool: 'ghz', clients, ...result };
  }
  const processes = Math.min(clients, 4);
  return { tool: 'node', clients, ...(await drive(ctx, recallWork(queries), () => ({ type: 'closed', concurrency: clients / processes }), processes)) };
}

async function rememberRow(ctx: Context, batch: number, clients: number): Promise<Report> {
  const result = await drive(ctx, { kind: 'remember', namespace: 'writes', batch }, () => ({ type: 'closed', concurrency: clients }), 1);
  return { tool: 'node', batch, clients, memoriesPerSec: round(result.items / result.seconds, 1), ...result };
}

/** 50 Remember callers, and meanwhile new-connection health probes and a trickle of Recall. */
async function concurrentRemember(ctx: Context): Promise<Report> {
  const [writers, health, recall] = await Promise.all([
    drive(ctx, { kind: 'remember', namespace: 'writes-50', batch: 10 }, () => ({ type: 'closed', concurrency: 25 }), 2),
    drive(ctx, { kind: 'health' }, () => ({ type: 'probes', everyMs: 500 }), 1),
    drive(ctx, recallWork('cached'), () => ({ type: 'open', agents: 10, perAgentPerSec: 2 }), 1),
  ]);
  return {
    tool: 'node',
    remember: { callers: 50, batch: 10, memoriesPerSec: round(writers.items / writers.seconds, 1), ...writers },
    firstHealthCheckOnNewConnection: { probesEveryMs: 500, ...health },
    recallMeanwhile: { loop: 'open, 10 agents x 2/s, cached queries', ...recall },
  };
}

/** Another benchmark run as a child; its JSON document. */
function runBench(script: string, args: string[]): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], { cwd: SERVER_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Report) : reject(new Error(`${script} exited with ${code}`))));
  });
}

async function seed(server: ServerProcess, texts: LoadTexts, bulk: readonly string[]): Promise<Report> {
  progress(`remembering ${texts.turns.length} conversation turns`);
  const turns = await rememberAll(server.address, () => NAMESPACE, texts.turns, 100, 2);
  progress(`remembering ${bulk.length} synthetic memories`);
  const bulkNamespace = (i: number) => (bulkIn === 'shared' ? NAMESPACE : `bulk-${Math.floor(i / 500) % BULK_NAMESPACES}`);
  const synthetic = await rememberAll(server.address, bulkNamespace, bulk, 500, 2);
  return { conversationTurns: turns, syntheticBulk: { ...synthetic, namespaces: bulkIn === 'shared' ? [NAMESPACE] : BULK_NAMESPACES } };
}

async function serverRows(ctx: Context): Promise<Array<Report | undefined>> {
  return [
    await row(ctx, 'recall-1-cached', 'p50 <= 1.5 ms, p99 <= 4 ms', () => recallClosed(ctx, 'recall-1-cached', 1, 'cached')),
    await row(ctx, 'recall-1-new', 'p99 <= 12 ms', () => recallClosed(ctx, 'recall-1-new', 1, 'new')),
    await row(ctx, 'recall-100-cached', '>= 1,500 rps, p99 <= 150 ms', () => recallClosed(ctx, 'recall-100-cached', 100, 'cached')),
    await row(ctx, 'recall-100-new', '>= 400 rps, p99 <= 400 ms', () => recallClosed(ctx, 'recall-100-new', 100, 'new')),
    await row(ctx, 'recall-open-200', 'p99 <= 200 ms', async () => ({
      tool: 'node',
      loop: `open, ${OPEN_AGENTS} agents x 2 Recall/s, new queries; latency from the scheduled instant`,
      ...(await drive(ctx, recallWork('new'), () => ({ type: 'open', agents: OPEN_AGENTS / 2, perAgentPerSec: 2 }), 2)),
    })),
    await row(ctx, 'remember-250', '>= 400 memories/s', () => rememberRow(ctx, 250, 1)),
    await row(ctx, 'remember-5x4', '>= 400 memories/s', () => rememberRow(ctx, 5, 4)),
    await row(ctx, 'remember-50-concurrent', 'lag p99 <= 20 ms; first health check <= 100 ms; Recall p99 <= 200 ms', () => concurrentRemember(ctx)),
  ];
}

/** Rows measured by the ledger and context benchmarks, each with its own process (run after the main server stopped). */
async function otherRows(): Promise<Array<Report | undefined>> {
  const fanout = async () => {
    const out = await runBench('ledger.ts', ['--only=fanout', '--subscribers=200', '--rate=500', `--seconds=${quick ? 2 : 10}`]);
    return { tool: 'bench/ledger.ts --only=fanout (its own server)', ...(out.fanout as Report) };
  };
  const context = async () => {
    const out = await runBench('context-tokenizers.ts', [`--iterations=${quick ? 3 : 100}`]);
    const results = ((out.buildContext as Report | undefined)?.results ?? {}) as Record<string, Report>;
    return { tool: 'bench/context-tokenizers.ts (in-process, 10k candidates)', at4k: Object.fromEntries(Object.entries(results).filter(([key]) => key.endsWith('@4096'))) };
  };
  const skip = (name: string) => only.size > 0 && !only.has(name);
  return [
    skip('ledger-fanout') ? undefined : { row: 'ledger-fanout', target: 'commit->delivery p99 <= 20 ms', ...(await fanout()) },
    skip('context-4k') ? undefined : { row: 'context-4k', target: 'p99 <= 50 ms for every tokenizer', ...(await context()) },
  ];
}

async function main(): Promise<void> {
  const began = performance.now();
  const texts = loadTexts();
  const synthetic = createSyntheticText();
  const bulk = Array.from({ length: Math.max(0, totalMemories - texts.turns.length) }, (_, i) => synthetic.memory(i));
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-load-'));
  const toolWanted = option('tool', 'ghz');
  const ghz = toolWanted === 'ghz' ? ensureGhz() : undefined;
  const report: Report = {
    benchmark: 'load',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavgAtStart: loadavg().map((x) => round(x, 2)) },
    settings: { memories: totalMemories, rowSeconds: rowMs / 1000, closedLoopTool: ghz === undefined ? 'node' : 'ghz', bulkIn, topK: TOP_K, mode: 'HYBRID' },
  };
  try {
    const turns = { purpose: 'document', texts: texts.turns, vectors: await embeddingsOf(texts.turns, 'document') } as const;
    const questions = { purpose: 'query', texts: texts.questions, vectors: await embeddingsOf(texts.questions, 'query') } as const;
    progress(`seeding the embedding cache: ${turns.texts.length + questions.texts.length} real vectors, ${bulk.length} synthetic`);
    await seedEmbeddingCache(dataDir, [turns, questions, { purpose: 'document', texts: bulk, vectors: syntheticVectors(bulk.length) }]);
    const server = await startServerProcess(dataDir);
    report.serverStartMs = Math.round(server.startMs);
    const observer = startObserver(server);
    const ctx: Context = { server, observer, texts, ghz, row: 0 };
    try {
      report.seed = await seed(server, texts, bulk);
      report.rows = (await serverRows(ctx)).filter((r) => r !== undefined);
    } finally {
      await observer.stop();
      await server.stop();
    }
    report.timeline = observer.samples
      .filter((_, i) => i % 5 === 0)
      .map((s) => ({
        s: Math.round(s.t / 1000),
        rssMiB: s.rssBytes === undefined ? null : Math.round(s.rssBytes / 2 ** 20),
        lagP99Ms: s.lag ? round(s.lag.p99 * 1000, 1) : null,
        lagMaxMs: s.lag ? round(s.lag.max * 1000, 1) : null,
      }));
    (report.rows as Report[]).push(...(await otherRows()).filter((r) => r !== undefined));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.notes = [
    `Server: node --import tsx src/main.ts serve (the code npm start runs, log level info), in its own process; ${totalMemories} memories: the ${texts.turns.length} LoCoMo dev turns in namespace "${NAMESPACE}" plus synthetic texts (pseudo-words) in ${bulkIn === 'shared' ? 'the same namespace' : `${BULK_NAMESPACES} other namespaces`}.`,
    `Vectors: the turns' and the questions' real vectors (computed once by ${TEST_MODEL}, the servers' model, kept in .bench-cache/embeddings) and the bulk's synthetic ones are put in the server's embedding cache before it starts, so seeding runs no model; the rows' "new" texts are embedded by the server.`,
    'Recall rows: HYBRID, top 10, namespace "locomo", the LoCoMo questions; "cached" = the fixed question set, whose vectors are in the embedding cache; "new" = a distinct text every call, so the model embeds each.',
    'Client processes: closed loop = each client sends its next call when the previous answered, each on its own connection; open loop = calls sent on a fixed schedule whatever came back, latency counted from the scheduled instant, lateStarts = sends the client process itself started > 5 ms late.',
    'server.eventLoopLagMs: cortex_event_loop_lag_seconds scraped every second (a 10 s window); over a row: median p50, highest p99, maximum, from scrapes whose window lies inside the row. server.peakRssMiB: VmRSS of the server process.',
    'Clients and server share the machine: client CPU counts against the server.',
  ];
  report.totalSec = round((performance.now() - began) / 1000, 1);
  report.machine = { ...(report.machine as object), loadavgAtEnd: loadavg().map((x) => round(x, 2)) };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
