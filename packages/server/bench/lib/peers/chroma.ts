// Chroma's side of bench:peers: bench/peers/chroma_peer.py in a venv made here (gitignored,
// under .bench-cache/peers), fed the corpus through files; its timings are taken inside Python.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HNSW_DEFAULTS } from '../../../src/index/index.js';
import { progress } from '../cli.js';
import { BENCH_CACHE } from '../embedding-file.js';
import type { Corpus, PeerRun, PeerStage } from './types.js';

const CHROMADB = 'chromadb==1.5.9';
const VENV = join(BENCH_CACHE, 'peers', 'venv');
const PYTHON = join(VENV, 'bin', 'python');
const SCRIPT = join(import.meta.dirname, '..', '..', 'peers', 'chroma_peer.py');

/** The venv with the pinned chromadb, made on first use. */
function ensureVenv(): void {
  const stamp = join(VENV, 'cortex-bench-requirement');
  if (existsSync(PYTHON) && existsSync(stamp) && readFileSync(stamp, 'utf8') === CHROMADB) return;
  progress(`creating ${VENV} with ${CHROMADB}`);
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', CHROMADB], { stdio: 'inherit' });
  writeFileSync(stamp, CHROMADB);
}

const f32 = (vectors: readonly Float32Array[]): Buffer =>
  Buffer.concat(vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));

export async function runChroma(corpus: Corpus): Promise<PeerRun> {
  ensureVenv();
  const dir = mkdtempSync(join(tmpdir(), 'cortex-bench-chroma-'));
  try {
    const spec = {
      documents: join(dir, 'documents.json'),
      vectors: join(dir, 'vectors.f32'),
      queries: join(dir, 'queries.f32'),
      dataDir: join(dir, 'chroma'),
      stages: corpus.stages,
      queryCount: corpus.queries.length,
      hnsw: { m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction, efSearch: HNSW_DEFAULTS.efSearch },
    };
    writeFileSync(spec.documents, JSON.stringify(corpus.docs));
    writeFileSync(spec.vectors, f32(corpus.vectors));
    writeFileSync(spec.queries, f32(corpus.queryVectors));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(PYTHON, [SCRIPT, join(dir, 'spec.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`chroma_peer.py exited with ${code}`))));
    });
    const result = JSON.parse(out) as { chromadb: string; stages: PeerStage[] };
    return {
      version: result.chromadb,
      setup: `PersistentClient in Python; HNSW (its hnswlib) M ${HNSW_DEFAULTS.m}, construction_ef ${HNSW_DEFAULTS.efConstruction}, search_ef ${HNSW_DEFAULTS.efSearch}, cosine`,
      hybridNote: 'none: the local client ranks by vector only (where_document filters, it does not rank)',
      stages: result.stages,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
