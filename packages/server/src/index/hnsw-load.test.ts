import { expect } from 'chai';
import { readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { exactSearch } from './exact.js';
import { checksumFile, metaPathFor } from './hnsw-files.js';
import { loadOrCreateHnswIndex } from './hnsw-load.js';
import type { IndexChange } from './hnsw-load.js';
import { createHnswIndex } from './hnsw.js';
import type { HnswIndex, HnswIndexDeps } from './hnsw.js';
import { generateClusteredVectors } from './synthetic-vectors.js';
import { createRecordingLogger, createTempDir } from './test-helpers.js';
import type { IndexLogger, LabeledVector } from './types.js';

const DIMS = 384;
const set = generateClusteredVectors({ count: 1_000, dimensions: DIMS, seed: 5 });
const rows: LabeledVector[] = set.vectors.map((vector, label) => ({ label, vector }));
const queries = set.queries(20);

function topLabels(index: HnswIndex, k = 10): number[][] {
  return queries.map((q) => index.search(q, k).map((h) => h.label));
}

describe('HNSW persistence', () => {
  let tmp: ReturnType<typeof createTempDir>;
  let deps: HnswIndexDeps & { logger: ReturnType<typeof createRecordingLogger> };
  let rebuilds: number;
  const rebuild = (): Iterable<LabeledVector> => {
    rebuilds++;
    return rows;
  };

  beforeEach(() => {
    tmp = createTempDir();
    deps = { dimensions: DIMS, path: join(tmp.dir, 'data', 'vectors.hnsw'), logger: createRecordingLogger() };
    rebuilds = 0;
  });
  afterEach(() => tmp.cleanup());

  async function savedIndex(lastChange = 10): Promise<HnswIndex> {
    const index = createHnswIndex(deps);
    for (const { label, vector } of rows) index.add(label, vector);
    await index.save({ lastChange });
    return index;
  }

  it('loads a saved index from disk and gives the same results', async () => {
    const original = await savedIndex();
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild);
    expect(result.loadedFrom).to.equal('disk');
    expect(rebuilds).to.equal(0);
    expect(result.index.size()).to.equal(1_000);
    expect(topLabels(result.index)).to.deep.equal(topLabels(original));
  });

  it('answers a selective filtered search exactly right after loading from disk', async () => {
    await savedIndex();
    const { index, loadedFrom } = await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild);
    expect(loadedFrom).to.equal('disk');
    const allowed = (label: number): boolean => label % 50 === 0;
    const candidates = rows.filter((r) => allowed(r.label));
    for (const q of queries) {
      const expected = exactSearch(q, candidates, 10);
      const hits = index.search(q, 10, allowed);
      expect(hits.map((h) => h.label)).to.deep.equal(expected.map((h) => h.label));
      hits.forEach((h, i) => expect(h.score).to.be.closeTo(expected[i]!.score, 1e-5));
    }
  });

  it('writes a sidecar with format version, dimensions, count, lastChange and a checksum', async () => {
    await savedIndex(42);
    const meta = JSON.parse(readFileSync(metaPathFor(deps.path), 'utf8')) as Record<string, unknown>;
    expect(meta).to.include({ formatVersion: 1, dimensions: DIMS, count: 1_000, lastChange: 42, bytes: statSync(deps.path).size });
    expect(meta.checksum).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('leaves no temp files behind after saving', async () => {
    await savedIndex();
    expect(readdirSync(join(tmp.dir, 'data')).sort()).to.deep.equal(['vectors.hnsw', 'vectors.hnsw.meta.json']);
  });

  it('rebuilds from the database rows when there is no file, saying why', async () => {
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 0 }, rebuild);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'missing' });
    expect(rebuilds).to.equal(1);
    expect(result.index.size()).to.equal(1_000);
  });

  it('rebuilds when the index is behind the database (lastChange mismatch)', async () => {
    await savedIndex(10);
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 11 }, rebuild);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'stale' });
    expect(deps.logger.records.some((r) => r.level === 'warn' && r.meta?.reason === 'stale')).to.equal(true);
  });

  describe('replaying changes onto a file that is behind', () => {
    const fresh = generateClusteredVectors({ count: 20, dimensions: DIMS, seed: 6 }).vectors;
    const changes: IndexChange[] = [
      { op: 'remove', label: 1 },
      { op: 'remove', label: 2 },
      { op: 'add', label: 5000, vector: fresh[0]! },
      { op: 'add', label: 3, vector: fresh[1]! }, // replaces label 3's vector
      { op: 'remove', label: 4242 }, // never present: a no-op
    ];
    let asked: number[];
    const replay = (from: number): Iterable<IndexChange> => {
      asked.push(from);
      return changes;
    };
    beforeEach(() => {
      asked = [];
    });

    it('loads the file and applies the changes since its lastChange instead of rebuilding', async () => {
      await savedIndex(10);
      const result = await loadOrCreateHnswIndex(deps, { lastChange: 15, replay }, rebuild);
      expect(result).to.include({ loadedFrom: 'replayed', from: 10, replayed: 5 });
      expect(asked).to.deep.equal([10]);
      expect(rebuilds).to.equal(0);
      const { index } = result;
      expect(index.size()).to.equal(999);
      expect(index.has(1) || index.has(2)).to.equal(false);
      expect(index.search(fresh[0]!, 1)[0]!.label).to.equal(5000);
      expect(index.search(fresh[1]!, 1)[0]!.label).to.equal(3);
      for (const label of [1, 2]) expect(index.search(set.vectors[label]!, 20).map((h) => h.label)).to.not.include(label);
      const logged = deps.logger.records.find((r) => r.message === 'vector index replayed');
      expect(logged?.meta).to.include({ from: 10, to: 15, changes: 5, operations: 5, count: 999 });
      expect(logged?.meta?.replayMs).to.be.a('number');
    });

    it('does not ask for changes when the file is current', async () => {
      await savedIndex(10);
      expect(await loadOrCreateHnswIndex(deps, { lastChange: 10, replay }, rebuild)).to.include({ loadedFrom: 'disk' });
      expect(asked).to.deep.equal([]);
    });

    it('rebuilds, saying so, when the changes since the file are no longer all known', async () => {
      await savedIndex(10);
      const result = await loadOrCreateHnswIndex(deps, { lastChange: 15, replay: () => undefined }, rebuild);
      expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'stale' });
      expect(result.loadedFrom === 'rebuilt' && result.detail).to.match(/no longer covers/);
      expect(rebuilds).to.equal(1);
    });

    it('rebuilds when the file is ahead of the database', async () => {
      await savedIndex(10);
      expect(await loadOrCreateHnswIndex(deps, { lastChange: 9, replay }, rebuild)).to.include({ loadedFrom: 'rebuilt', reason: 'stale' });
      expect(asked).to.deep.equal([]);
    });

    it('rebuilds when the file behind is corrupt', async () => {
      await savedIndex(10);
      truncateSync(deps.path, 1000);
      expect(await loadOrCreateHnswIndex(deps, { lastChange: 15, replay }, rebuild)).to.include({ loadedFrom: 'rebuilt', reason: 'corrupt' });
      expect(rebuilds).to.equal(1);
    });

    it('rebuilds when a change cannot be applied', async () => {
      await savedIndex(10);
      const bad: IndexChange[] = [{ op: 'remove', label: 1 }, { op: 'add', label: 7, vector: [1, 2, 3] }];
      const result = await loadOrCreateHnswIndex(deps, { lastChange: 15, replay: () => bad }, rebuild);
      expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'stale' });
      expect(result.loadedFrom === 'rebuilt' && result.detail).to.match(/replaying change 2 after 10 failed/);
      expect(result.index.has(1)).to.equal(true); // the rebuild, not the half-replayed file
    });
  });

  it('rebuilds when the index file is replaced by garbage bytes', async () => {
    await savedIndex();
    const size = statSync(deps.path).size;
    writeFileSync(deps.path, Buffer.alloc(size, 0xab));
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'corrupt' });
    expect(result.index.search(set.vectors[3]!, 1)[0]!.label).to.equal(3);
  });

  it('rebuilds when the index file is truncated', async () => {
    await savedIndex();
    truncateSync(deps.path, 1000);
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'corrupt' });
  });

  it('rebuilds when the sidecar is garbage (corrupt) or gone (missing)', async () => {
    await savedIndex();
    writeFileSync(metaPathFor(deps.path), '{"formatVersion": 1, "dimen');
    expect(await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild)).to.include({ reason: 'corrupt' });
    writeFileSync(metaPathFor(deps.path), '');
    expect(await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild)).to.include({ reason: 'corrupt' });
    rmSync(metaPathFor(deps.path));
    expect(await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild)).to.include({ reason: 'missing' });
    expect(rebuilds).to.equal(3);
  });

  it('survives a garbage file whose sidecar checksum matches it, without crashing', async () => {
    await savedIndex();
    const meta = JSON.parse(readFileSync(metaPathFor(deps.path), 'utf8')) as Record<string, unknown>;
    // Simulate a writer bug: checksum valid, content is not an hnswlib file.
    const garbage = Buffer.alloc(4096, 7);
    writeFileSync(deps.path, garbage);
    writeFileSync(metaPathFor(deps.path), JSON.stringify({ ...meta, bytes: garbage.length, checksum: await checksumFile(deps.path) }));
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 10 }, rebuild);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'corrupt' });
  });

  it('rebuilds when the saved index has different dimensions', async () => {
    await savedIndex();
    const result = await loadOrCreateHnswIndex({ ...deps, dimensions: 128 }, { lastChange: 10 }, () => []);
    expect(result).to.include({ loadedFrom: 'rebuilt', reason: 'incompatible' });
  });

  it('never returns removed labels after a save and load, and can bring them back', async () => {
    const index = createHnswIndex(deps);
    for (const { label, vector } of rows) index.add(label, vector);
    const removed = [1, 2, 3, 500, 999];
    for (const label of removed) index.remove(label);
    await index.save({ lastChange: 3 });

    const { index: loaded, loadedFrom } = await loadOrCreateHnswIndex(deps, { lastChange: 3 }, rebuild);
    expect(loadedFrom).to.equal('disk');
    expect(loaded.size()).to.equal(995);
    for (const label of removed) {
      expect(loaded.has(label)).to.equal(false);
      expect(loaded.search(set.vectors[label]!, 20).map((h) => h.label)).to.not.include(label);
      expect(loaded.remove(label)).to.equal(false);
    }
    loaded.add(500, set.vectors[500]!);
    expect(loaded.search(set.vectors[500]!, 1)[0]!.label).to.equal(500);
    loaded.add(5000, set.vectors[1]!); // a new label takes one of the deleted slots
    expect(loaded.search(set.vectors[1]!, 1)[0]!.label).to.equal(5000);
    expect(loaded.size()).to.equal(997);
  });

  it('commits concurrent saves in call order, so the file matches the last save', async () => {
    const index = await savedIndex(1);
    const first = index.save({ lastChange: 2 });
    index.remove(7);
    const second = index.save({ lastChange: 3 });
    await Promise.all([first, second]);
    const result = await loadOrCreateHnswIndex(deps, { lastChange: 3 }, rebuild);
    expect(result.loadedFrom).to.equal('disk');
    expect(result.index.has(7)).to.equal(false);
  });

  it('accepts a winston logger', async () => {
    const logger: IndexLogger = winston.createLogger({ silent: true });
    const result = await loadOrCreateHnswIndex({ ...deps, logger }, { lastChange: 0 }, () => rows.slice(0, 10));
    expect(result.index.size()).to.equal(10);
  });
});
