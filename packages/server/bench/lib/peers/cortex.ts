// Cortex's side of bench:peers: the server's own core in-process (openCortexCore), documents stored
// through MemoryService.remember and searched with recall(), the vectors served from its embedding
// cache (seeded before it opens), so neither ingest nor queries run the model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import winston from 'winston';
import { openCortexCore } from '../../../src/core.js';
import { HNSW_DEFAULTS } from '../../../src/index/index.js';
import type { MemoryInput, RecallMode } from '../../../src/memory/index.js';
import { benchConfig } from '../in-process-server.js';
import { seedEmbeddingCache } from '../load/seed.js';
import { dirBytes, timeQueries, TOP_K, type Corpus, type PeerRun, type PeerStage } from './types.js';

const NAMESPACE = 'peers';
const BATCH = 500;
const CTX = { actor: 'bench', correlationId: 'bench-peers' };

const input = (id: number, content: string): MemoryInput => ({ id: String(id), agentId: '', content, kind: 'note', tags: [], metadata: {}, expiresAt: null, pinned: false });

export async function runCortex(corpus: Corpus): Promise<PeerRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-bench-peers-'));
  try {
    await seedEmbeddingCache(dataDir, [
      { purpose: 'document', texts: corpus.docs, vectors: corpus.vectors },
      { purpose: 'query', texts: corpus.queries, vectors: corpus.queryVectors },
    ]);
    const core = await openCortexCore({
      config: benchConfig(dataDir),
      logger: winston.createLogger({ silent: true, transports: [new winston.transports.Console()] }),
      clock: Date.now,
      registry: new Registry(),
    });
    const stages: PeerStage[] = [];
    try {
      let stored = 0;
      for (const n of corpus.stages) {
        const started = performance.now();
        for (let i = stored; i < n; i += BATCH) {
          const inputs = corpus.docs.slice(i, Math.min(n, i + BATCH)).map((content, k) => input(i + k, content));
          await core.memories.remember(CTX, NAMESPACE, inputs);
        }
        const ingestSeconds = (performance.now() - started) / 1000;
        const search = (mode: RecallMode) => (q: number) =>
          core.memories.recall(NAMESPACE, { mode, query: corpus.queries[q]!, topK: TOP_K, filter: {}, minScore: 0 });
        const vector = await timeQueries(corpus.queries.length, search('VECTOR'));
        const hybrid = await timeQueries(corpus.queries.length, search('HYBRID'));
        await core.vectors.save();
        stages.push({
          documents: n,
          ingested: n - stored,
          ingestSeconds,
          vectorMs: vector.ms,
          hybridMs: hybrid.ms,
          vectorIds: vector.results.map((hits) => hits.map((hit) => Number(hit.memory.id))),
          diskBytes: dirBytes(dataDir),
        });
        stored = n;
      }
    } finally {
      await core.close();
    }
    return {
      version: 'this checkout',
      setup: `in-process core; HNSW (hnswlib) M ${HNSW_DEFAULTS.m}, ef_construction ${HNSW_DEFAULTS.efConstruction}, ef_search ${HNSW_DEFAULTS.efSearch}; int8 vectors in SQLite`,
      hybridNote: 'HYBRID: FTS5 BM25 and HNSW fused by reciprocal rank (index/fusion.ts)',
      stages,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
