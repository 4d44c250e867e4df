import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import { MemoryServiceClient, RecallMode, type MemoryInput, type RecallRequest } from '@cortex/proto/cortex/v1/memory_service';
import type { MemoryFilter } from '@cortex/proto/cortex/v1/memory';
import { openDatabase } from '../src/storage/index.js';
import { call, startTestServer, TEST_MODEL_DIR, type TestServer } from './harness.js';

const NAMESPACE = 'recall';

const FACTS: Array<[string, string, Partial<MemoryInput>]> = [
  ['pets', 'Caroline adopted a golden retriever puppy named Max last spring.', { tags: ['family'], agentId: 'caroline' }],
  ['job', 'Melanie started a new position as a pediatric nurse at the city hospital.', { agentId: 'melanie', kind: 'career' }],
  ['trip', 'The team flew to Lisbon for the offsite and ate grilled sardines every night.', { tags: ['travel'] }],
  ['db', 'Postgres connection pool exhausted during the nightly ETL batch job.', { kind: 'incident', tags: ['ops'] }],
  ['music', 'Jon has been learning to play the violin and practices every evening.', { agentId: 'jon' }],
  ['garden', 'Tomatoes in the backyard garden were eaten by squirrels again.', { tags: ['family'] }],
];

function filter(overrides: Partial<MemoryFilter>): MemoryFilter {
  return { agentId: '', kinds: [], tags: [], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined, ...overrides };
}

describe('Recall modes over the real embedding model and HNSW index', function () {
  let server: TestServer;
  const recall = (request: Partial<RecallRequest>) =>
    call(server.memory.recall.bind(server.memory), {
      namespace: NAMESPACE, query: '', topK: 3, mode: RecallMode.RECALL_MODE_HYBRID, filter: undefined, minScore: 0, ...request,
    });
  const ids = async (request: Partial<RecallRequest>) => (await recall(request)).hits.map((h) => h.memory!.id);

  before(async () => {
    server = await startTestServer();
    await call(server.memory.remember.bind(server.memory), {
      namespace: NAMESPACE,
      memories: FACTS.map(([id, content, extra]) => ({
        id, content, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [], ...extra,
      })),
    });
  });
  after(async () => {
    await server.stop();
  });

  it('finds a memory by meaning with no shared keyword in VECTOR mode, reporting the cosine similarity', async () => {
    const { hits, mode } = await recall({ query: 'Which dog does Caroline own?', mode: RecallMode.RECALL_MODE_VECTOR });
    expect(mode).to.equal(RecallMode.RECALL_MODE_VECTOR);
    expect(hits[0]!.memory!.id).to.equal('pets');
    expect(hits[0]!.vectorRank).to.equal(1);
    expect(hits[0]!.score).to.equal(hits[0]!.vectorScore);
    expect(hits[0]!.score).to.be.within(0.3, 1);
    expect(hits[0]!.keywordScore).to.equal(undefined);
  });

  it('finds nothing by keyword when no term matches, but the same question finds it by meaning', async () => {
    expect(await ids({ query: 'medical career change', mode: RecallMode.RECALL_MODE_KEYWORD })).to.deep.equal([]);
    expect((await ids({ query: 'medical career change', mode: RecallMode.RECALL_MODE_VECTOR }))[0]).to.equal('job');
  });

  it('fuses both lists in HYBRID mode (the default) and returns each component score', async () => {
    const { hits, mode } = await recall({ query: 'ETL batch connection pool', mode: RecallMode.RECALL_MODE_UNSPECIFIED });
    expect(mode).to.equal(RecallMode.RECALL_MODE_HYBRID);
    const top = hits[0]!;
    expect(top.memory!.id).to.equal('db');
    expect(top.vectorRank).to.equal(1);
    expect(top.keywordRank).to.equal(1);
    expect(top.vectorScore).to.be.greaterThan(0);
    expect(top.keywordScore).to.be.greaterThan(0);
    // Best of both lists: each normalises to 1, and the shares (DEFAULT_VECTOR_WEIGHT) sum to 1.
    expect(top.score).to.be.closeTo(1, 1e-9);
  });

  it('applies tag, agent and kind filters to vector search without losing top_k', async () => {
    expect(await ids({ query: 'pets and animals', mode: RecallMode.RECALL_MODE_VECTOR, filter: filter({ tags: ['family'] }) }))
      .to.have.members(['pets', 'garden']);
    expect(await ids({ query: 'hobbies', mode: RecallMode.RECALL_MODE_VECTOR, filter: filter({ agentId: 'jon' }) })).to.deep.equal(['music']);
    expect(await ids({ query: 'outage', mode: RecallMode.RECALL_MODE_HYBRID, filter: filter({ kinds: ['incident'] }) })).to.deep.equal(['db']);
  });

  it('applies a time-range filter', async () => {
    const future = new Date(Date.now() + 60_000);
    expect(await ids({ query: 'dog', filter: filter({ createdAfter: future }) })).to.deep.equal([]);
    expect(await ids({ query: 'dog', filter: filter({ createdBefore: future }) })).to.include('pets');
  });

  it('keeps namespaces apart', async () => {
    const { hits } = await call(server.memory.recall.bind(server.memory), {
      namespace: 'other-namespace', query: 'golden retriever', topK: 5, mode: RecallMode.RECALL_MODE_HYBRID, filter: undefined, minScore: 0,
    });
    expect(hits).to.deep.equal([]);
  });

  it("ranks keyword hits by the namespace's own statistics: another tenant's writes change no score", async () => {
    const keyword = async () =>
      (await recall({ query: 'garden squirrels nurse hospital', mode: RecallMode.RECALL_MODE_KEYWORD, topK: 5 })).hits.map((h) => [h.memory!.id, h.score]);
    const before = await keyword();
    await call(server.memory.remember.bind(server.memory), {
      namespace: 'noisy-tenant',
      memories: Array.from({ length: 50 }, (_, i) => ({
        id: `n${i}`, content: `garden garden squirrels report ${i}`, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined,
        expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [],
      })),
    });
    expect(await keyword()).to.deep.equal(before);
  });

  it('never returns a forgotten memory, in any mode', async () => {
    await call(server.memory.remember.bind(server.memory), {
      namespace: NAMESPACE,
      memories: [{ id: 'temp', content: 'A purple elephant visited the office kitchen.', agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }],
    });
    expect(await ids({ query: 'purple elephant', mode: RecallMode.RECALL_MODE_VECTOR })).to.include('temp');
    await call(server.memory.forget.bind(server.memory), { namespace: NAMESPACE, ids: ['temp'], filter: undefined });
    for (const mode of [RecallMode.RECALL_MODE_VECTOR, RecallMode.RECALL_MODE_KEYWORD, RecallMode.RECALL_MODE_HYBRID]) {
      expect(await ids({ query: 'purple elephant', mode, topK: 10 })).to.not.include('temp');
    }
  });

  it('indexes every chunk of long content, so a fact at the end of a long memory is found', async () => {
    const filler = Array.from({ length: 120 }, (_, i) => `Meeting note ${i}: the quarterly budget review covered spreadsheets and forecasts.`).join(' ');
    await call(server.memory.remember.bind(server.memory), {
      namespace: NAMESPACE,
      memories: [{ id: 'long', content: `${filler} Finally, the astronaut planted sunflowers on the moon base.`, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }],
    });
    expect((await ids({ query: 'astronaut growing sunflowers on the moon', mode: RecallMode.RECALL_MODE_VECTOR, topK: 1 }))).to.deep.equal(['long']);
  });

  it('re-embeds a memory whose content changed', async () => {
    const remember = (content: string) =>
      call(server.memory.remember.bind(server.memory), {
        namespace: 'rewrite',
        memories: [{ id: 'x', content, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }],
      });
    // Scores are on the model's own scale (e5 rates unrelated text ~0.7), so compare before and after.
    const printerScore = async () =>
      (await call(server.memory.recall.bind(server.memory), {
        namespace: 'rewrite', query: 'office printer paper jam', topK: 1, mode: RecallMode.RECALL_MODE_VECTOR, filter: undefined, minScore: 0,
      })).hits[0]?.score ?? 0;
    await remember('The printer on floor three is jammed.');
    const before = await printerScore();
    await remember('Quarterly revenue grew by twelve percent.');
    expect(await printerScore()).to.be.lessThan(before - 0.1);
  });
});

describe('vector index persistence', function () {
  this.timeout(120_000);
  const remember = (server: { memory: MemoryServiceClient }, id: string, content: string) =>
    call(server.memory.remember.bind(server.memory), {
      namespace: 'persist',
      memories: [{ id, content, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }],
    });
  const topIds = async (server: TestServer, query: string, topK = 1) =>
    (await call(server.memory.recall.bind(server.memory), {
      namespace: 'persist', query, topK, mode: RecallMode.RECALL_MODE_VECTOR, filter: undefined, minScore: 0,
    })).hits.map((hit) => hit.memory?.id);
  const topId = async (server: TestServer, query: string) => (await topIds(server, query))[0];
  /** Rows of the vector index change log and the change the saved file reflects, read with the server stopped. */
  const indexState = (dataDir: string) => {
    const db = openDatabase({ path: join(dataDir, 'cortex.db') });
    try {
      const meta = JSON.parse(readFileSync(join(dataDir, 'vectors.hnsw.meta.json'), 'utf8')) as { lastChange: number };
      return {
        logRows: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM vector_index_log').get()!.n,
        changeSeq: db.prepare<[], { change_seq: number }>('SELECT change_seq FROM vector_index_state').get()!.change_seq,
        fileLastChange: meta.lastChange,
      };
    } finally {
      db.close();
    }
  };
  /** `cortex serve` in its own process, so the test can kill it with SIGKILL. */
  const spawnServer = async (dataDir: string, env: Record<string, string>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, CORTEX_MODEL_DIR: TEST_MODEL_DIR, CORTEX_DATA_DIR: dataDir, CORTEX_PORT: '0', CORTEX_METRICS_PORT: '0', CORTEX_HOST: '127.0.0.1', CORTEX_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { message?: string; grpcPort?: number };
        if (entry.message === 'cortex serving' && entry.grpcPort) resolve(entry.grpcPort);
      });
    });
    const memory = new MemoryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    return {
      memory,
      async kill(): Promise<NodeJS.Signals | null> {
        memory.close();
        child.kill('SIGKILL');
        return exited;
      },
    };
  };

  it('reloads the index from disk after a clean restart, and rebuilds it when the file is missing, corrupt or behind', async () => {
    let server = await startTestServer();
    const dataDir = server.dataDir;
    const indexFile = join(dataDir, 'vectors.hnsw');
    await remember(server, 'cat', 'The cat sleeps on the warm windowsill.');
    await remember(server, 'car', 'The car needs new winter tyres.');
    await server.stop({ keepData: true });
    expect(existsSync(indexFile)).to.equal(true);

    const restartWith = async (damage: () => void, expectedSource: 'disk' | 'rebuilt') => {
      damage();
      server = await startTestServer({ dataDir });
      expect(server.cortex.vectorIndexSource).to.equal(expectedSource);
      expect(await topId(server, 'kitten napping in the sun')).to.equal('cat');
      expect(await topId(server, 'snow tires for the automobile')).to.equal('car');
      await server.stop({ keepData: true });
    };
    await restartWith(() => undefined, 'disk');
    await restartWith(() => writeFileSync(indexFile, 'not an index'), 'rebuilt');
    await restartWith(() => writeFileSync(indexFile, Buffer.alloc(0)), 'rebuilt');
    await restartWith(() => rmSync(indexFile), 'rebuilt');

    // Behind, and the change log no longer covers the gap: an older file comes back after a later
    // save pruned the log up to the newer one (e.g. restored from a backup).
    server = await startTestServer({ dataDir, env: { CORTEX_INDEX_SAVE_INTERVAL_MS: '86400000' } });
    await remember(server, 'boat', 'The sailing boat is moored in the harbour.');
    const staleIndex = readFileSync(indexFile);
    const staleMeta = readFileSync(`${indexFile}.meta.json`);
    await server.stop({ keepData: true });
    writeFileSync(indexFile, staleIndex);
    writeFileSync(`${indexFile}.meta.json`, staleMeta);
    expect(indexState(dataDir).logRows).to.equal(0);
    server = await startTestServer({ dataDir });
    expect(server.cortex.vectorIndexSource).to.equal('rebuilt');
    expect(await topId(server, 'yacht in the port')).to.equal('boat');
    await server.stop();
  });

  it('after a kill -9, replays the changes the saved file lacks: new memories found, forgotten ones never returned', async () => {
    let server = await startTestServer();
    const dataDir = server.dataDir;
    await remember(server, 'cat', 'The cat sleeps on the warm windowsill.');
    await remember(server, 'owl', 'An owl hoots from the old oak tree at midnight.');
    await server.stop({ keepData: true });

    const crashed = await spawnServer(dataDir, { CORTEX_INDEX_SAVE_INTERVAL_MS: '86400000' });
    let signal: NodeJS.Signals | null;
    try {
      await remember(crashed, 'boat', 'The sailing boat is moored in the harbour.');
      await remember(crashed, 'car', 'The car needs new winter tyres.');
      await call(crashed.memory.forget.bind(crashed.memory), { namespace: 'persist', ids: ['owl'], filter: undefined });
    } finally {
      signal = await crashed.kill();
    }
    expect(signal).to.equal('SIGKILL');
    const behind = indexState(dataDir);
    expect(behind.fileLastChange).to.be.below(behind.changeSeq);
    expect(behind.logRows).to.be.greaterThan(0);

    server = await startTestServer({ dataDir });
    expect(server.cortex.vectorIndexSource).to.equal('replayed');
    expect(await topId(server, 'yacht in the port')).to.equal('boat');
    expect(await topId(server, 'snow tires for the automobile')).to.equal('car');
    expect(await topId(server, 'kitten napping in the sun')).to.equal('cat');
    expect(await topIds(server, 'owl hooting in a tree at night', 10)).to.not.include('owl');
    await server.stop({ keepData: true });

    // The stop saved the replayed index and pruned the log up to it.
    const saved = indexState(dataDir);
    expect(saved).to.deep.equal({ logRows: 0, changeSeq: behind.changeSeq, fileLastChange: behind.changeSeq });
    server = await startTestServer({ dataDir });
    expect(server.cortex.vectorIndexSource).to.equal('disk');
    expect(await topIds(server, 'owl hooting in a tree at night', 10)).to.not.include('owl');
    await server.stop();
  });
});
