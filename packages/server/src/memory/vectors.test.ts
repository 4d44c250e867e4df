import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import type { Embedder } from '../embedding/index.js';
import { generateClusteredVectors } from '../index/synthetic-vectors.js';
import { createTransactor, openDatabase, type Db, type Transact } from '../storage/index.js';
import { TIER_CODES } from './rows.js';
import { createMemoryStore } from './store/index.js';
import { createMemoryVectors, type MemoryVectors } from './vectors.js';

const DIMS = 32;
const NS = 'ns';
const set = generateClusteredVectors({ count: 400, dimensions: DIMS, seed: 17 });
const vec = (i: number): Float32Array => set.vectors[i]!;

/** Only `dimensions` matters here: the tests hand chunk vectors to store() directly. */
const embedder: Embedder = {
  modelId: 'fixed-vectors-test',
  dimensions: DIMS,
  embed: async () => [],
  countTokens: () => 0,
  chunk: (text) => [text],
  check: async () => undefined,
  close: async () => undefined,
};

describe('memory vectors: change log, crash restart and pruning', () => {
  let dir: string;
  let db: Db;
  let transact: Transact;
  const rowIds = new Map<string, number>();
  const logger = winston.createLogger({ silent: true });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-vectors-'));
    db = openDatabase({ path: join(dir, 'cortex.db') });
    transact = createTransactor(db);
    rowIds.clear();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const indexPath = () => join(dir, 'vectors.hnsw');
  /** Saves only when asked (or on stop): an instance dropped without stop() is a crashed server. */
  const open = () =>
    createMemoryVectors({ db, store: createMemoryStore(db), embedder, logger, indexPath: indexPath(), saveIntervalMs: 86_400_000 });
  const rowOf = (id: string): number => {
    let rowId = rowIds.get(id);
    if (rowId === undefined) {
      rowId = Number(
        db
          .prepare(
            `INSERT INTO memories (namespace, id, content, importance, tier, created_at, updated_at, last_accessed_at, version, content_hash)
             VALUES (?, ?, '', 0.5, ${TIER_CODES.WARM}, 0, 0, 0, 1, '')`,
          )
          .run(NS, id).lastInsertRowid,
      );
      rowIds.set(id, rowId);
    }
    return rowId;
  };
  const remember = (v: MemoryVectors, id: string, vectors: readonly Float32Array[]) =>
    transact((tx) => v.storeOwn(tx, rowOf(id), NS, vectors, id));
  const forget = (v: MemoryVectors, id: string) =>
    transact((tx) => {
      v.remove(tx, rowOf(id));
      db.prepare('DELETE FROM memories WHERE row_id = ?').run(rowOf(id));
      rowIds.delete(id);
    });
  const archive = (v: MemoryVectors, id: string) =>
    transact((tx) => {
      v.remove(tx, rowOf(id));
      db.prepare(`UPDATE memories SET tier = ${TIER_CODES.COLD} WHERE row_id = ?`).run(rowOf(id));
    });
  const rewarm = (v: MemoryVectors, id: string) =>
    transact((tx) => {
      db.prepare(`UPDATE memories SET tier = ${TIER_CODES.WARM} WHERE row_id = ?`).run(rowOf(id));
      v.restore(tx, rowOf(id), NS);
    });
  const logRows = () =>
    db.prepare<[], { change_seq: number; chunk_id: number; op: number }>('SELECT change_seq, chunk_id, op FROM vector_index_log ORDER BY id').all();
  const changeSeq = () => db.prepare<[], { change_seq: number }>('SELECT change_seq FROM vector_index_state').get()!.change_seq;
  const chunkIds = (id: string) =>
    db.prepare<[number], { chunk_id: number }>('SELECT chunk_id FROM memory_chunks WHERE row_id = ? ORDER BY chunk_index').all(rowOf(id)).map((c) => c.chunk_id);
  const found = (v: MemoryVectors, query: Float32Array, k = 5) => {
    const byRow = new Map([...rowIds].map(([id, rowId]) => [rowId, id]));
    return v.search(NS, query, k).map((hit) => byRow.get(hit.rowId) ?? `row ${hit.rowId}`);
  };

  it('logs the chunks each change adds and removes, in the transaction that makes it', async () => {
    const v = await open();
    remember(v, 'a', [vec(0), vec(1)]);
    const [first, second] = chunkIds('a');
    expect(logRows()).to.deep.equal([
      { change_seq: 1, chunk_id: first, op: 1 },
      { change_seq: 1, chunk_id: second, op: 1 },
    ]);

    remember(v, 'a', [vec(2)]); // one change: the old chunks out, the new one in, removals first
    const [third] = chunkIds('a');
    archive(v, 'a');
    rewarm(v, 'a');
    forget(v, 'a');
    expect(logRows().slice(2)).to.deep.equal([
      { change_seq: 2, chunk_id: first, op: 0 },
      { change_seq: 2, chunk_id: second, op: 0 },
      { change_seq: 2, chunk_id: third, op: 1 },
      { change_seq: 3, chunk_id: third, op: 0 },
      { change_seq: 4, chunk_id: third, op: 1 },
      { change_seq: 5, chunk_id: third, op: 0 },
    ]);

    forget(v, 'never-embedded'); // no chunks: nothing changes, no change_seq
    expect(() =>
      transact((tx) => {
        v.storeOwn(tx, rowOf('b'), NS, [vec(3)], 'b');
        throw new Error('rolled back');
      }),
    ).to.throw('rolled back');
    expect(changeSeq()).to.equal(5);
    expect(logRows()).to.have.length(8);

    await v.stop();
    expect(logRows()).to.deep.equal([]);
  });

  it('after a crash, loads the saved file and replays the logged changes, never bringing back what was removed', async () => {
    const before = await open();
    for (let i = 0; i < 200; i++) remember(before, `m${i}`, [vec(i)]);
    await before.save();
    expect(logRows()).to.deep.equal([]);

    // Changes the saved file does not reflect.
    for (let i = 200; i < 250; i++) remember(before, `m${i}`, [vec(i)]);
    const forgottenRows = [...Array(10).keys()].map((i) => rowOf(`m${i}`));
    for (let i = 0; i < 10; i++) forget(before, `m${i}`);
    remember(before, 'm10', [vec(300)]); // re-embedded: its chunk id may be reused
    archive(before, 'm20');
    archive(before, 'm21');
    rewarm(before, 'm21');
    remember(before, 'm22', [vec(22), vec(301)]); // grows a second chunk
    remember(before, 'gone', [vec(302)]);
    forgottenRows.push(rowOf('gone'));
    forget(before, 'gone');
    const expectedSize = before.size();
    // Crash: `before` is dropped without saving.

    const after = await open();
    expect(after.loadedFrom).to.equal('replayed');
    expect(after.size()).to.equal(expectedSize);
    for (let i = 200; i < 250; i++) expect(found(after, vec(i), 1)).to.deep.equal([`m${i}`]);
    for (const q of [...set.vectors.slice(0, 10), vec(302)]) {
      const rows = after.search(NS, q, 10).map((hit) => hit.rowId);
      expect(rows.filter((rowId) => forgottenRows.includes(rowId))).to.deep.equal([]);
    }
    expect(found(after, vec(300), 1)).to.deep.equal(['m10']);
    expect(found(after, vec(20))).to.not.include('m20');
    expect(found(after, vec(21), 1)).to.deep.equal(['m21']);
    expect(found(after, vec(301), 1)).to.deep.equal(['m22']);
    expect(logRows()).to.not.deep.equal([]); // kept until the replayed index is saved

    await after.stop();
    expect(logRows()).to.deep.equal([]);
    const again = await open();
    expect(again.loadedFrom).to.equal('disk');
    expect(again.size()).to.equal(expectedSize);
    await again.stop();
  });

  it('rebuilds when a later save pruned the log past the file it finds', async () => {
    const first = await open();
    for (let i = 0; i < 10; i++) remember(first, `m${i}`, [vec(i)]);
    await first.save();
    copyFileSync(indexPath(), join(dir, 'old.hnsw'));
    copyFileSync(`${indexPath()}.meta.json`, join(dir, 'old.hnsw.meta.json'));
    for (let i = 10; i < 15; i++) remember(first, `m${i}`, [vec(i)]);
    forget(first, 'm0');
    await first.stop(); // saves and prunes everything the older file lacks
    copyFileSync(join(dir, 'old.hnsw'), indexPath());
    copyFileSync(join(dir, 'old.hnsw.meta.json'), `${indexPath()}.meta.json`);

    const second = await open();
    expect(second.loadedFrom).to.equal('rebuilt');
    expect(second.size()).to.equal(14);
    expect(found(second, vec(0))).to.not.include('m0');
    expect(found(second, vec(14), 1)).to.deep.equal(['m14']);
    await second.stop();
  });

  it('drops log rows a crash left behind once the file reflects them', async () => {
    const v = await open();
    remember(v, 'a', [vec(0)]);
    await v.stop();
    // As if the process died between committing the file and pruning the log.
    db.prepare('INSERT INTO vector_index_log (change_seq, chunk_id, op) VALUES (?, ?, 1)').run(changeSeq(), chunkIds('a')[0]!);
    const reopened = await open();
    expect(reopened.loadedFrom).to.equal('disk');
    expect(logRows()).to.deep.equal([]);
    await reopened.stop();
  });

  it('applies a large batch after its commit, and a save right away still holds all of it', async () => {
    const v = await open();
    // 2,000 chunks: more than one slice of inserts even on a fast machine.
    const chunks = (i: number) => [0, 1, 2, 3, 4].map((k) => vec((i + k * 80) % 400));
    transact((tx) => {
      for (let i = 0; i < 400; i++) v.storeOwn(tx, rowOf(`m${i}`), NS, chunks(i), `m${i}`);
    });
    await v.save(); // the index may still be applying the batch: the save waits, never snapshots half
    // Crash right after the save: the file alone must hold the batch.
    const after = await open();
    expect(after.loadedFrom).to.equal('disk');
    expect(after.size()).to.equal(2000);
    await v.applied();
    expect(v.size()).to.equal(2000);
    await after.stop();
  });
});
