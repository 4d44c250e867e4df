import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createLruEmbeddingCache, createSqliteEmbeddingCache, embeddingCacheKey, type EmbeddingCache } from './embedding-cache.js';
import { EMBEDDING_CACHE_DDL } from './test-helpers.js';

const vec = (...values: number[]) => Float32Array.from(values);

describe('embedding cache', () => {
  it('keys by sha256 of model id and text, so models never share vectors', () => {
    const key = embeddingCacheKey('model-a', 'hello');
    expect(key).to.match(/^[0-9a-f]{64}$/u);
    expect(embeddingCacheKey('model-a', 'hello')).to.equal(key);
    expect(embeddingCacheKey('model-b', 'hello')).to.not.equal(key);
    expect(embeddingCacheKey('model-a', 'hello ')).to.not.equal(key);
  });

  it('evicts the least recently used entry when the LRU is full', () => {
    const lru = createLruEmbeddingCache(2);
    lru.put('a', vec(1));
    lru.put('b', vec(2));
    lru.get('a');
    lru.put('c', vec(3));
    expect(lru.get('b')).to.equal(undefined);
    expect(lru.get('a')).to.deep.equal(vec(1));
    expect(lru.get('c')).to.deep.equal(vec(3));
  });

  it('fills the LRU from its backing cache and writes through to it', () => {
    const backing = new Map<string, Float32Array>([['x', vec(9)]]);
    let reads = 0;
    const store: EmbeddingCache = {
      get: (hash) => {
        reads += 1;
        return backing.get(hash);
      },
      put: (hash, vector) => void backing.set(hash, vector),
    };
    const lru = createLruEmbeddingCache(8, store);
    expect(lru.get('x')).to.deep.equal(vec(9));
    expect(lru.get('x')).to.deep.equal(vec(9));
    expect(reads).to.equal(1);
    lru.put('y', vec(1, 2));
    expect(backing.get('y')).to.deep.equal(vec(1, 2));
  });

  describe('sqlite', () => {
    let db: Database.Database;
    beforeEach(() => {
      db = new Database(':memory:');
      db.exec(EMBEDDING_CACHE_DDL);
    });
    afterEach(() => db.close());

    it('round-trips float32 vectors exactly through the embedding_cache table', () => {
      const vector = vec(0.1, -0.25, 3.5e-8, 1);
      createSqliteEmbeddingCache(db, 'm').put('h1', vector);
      const fresh = createSqliteEmbeddingCache(db, 'm');
      expect(Array.from(fresh.get('h1') ?? [])).to.deep.equal(Array.from(vector));
      const row = db.prepare('SELECT content_hash, model_id, length(vector) AS bytes, created_at FROM embedding_cache').get() as {
        content_hash: string;
        model_id: string;
        bytes: number;
        created_at: number;
      };
      expect(row.content_hash).to.equal('h1');
      expect(row.model_id).to.equal('m');
      expect(row.bytes).to.equal(16);
      expect(row.created_at).to.be.closeTo(Date.now(), 60_000);
    });

    it('stores a vector that is a view into a larger buffer correctly', () => {
      const backing = new Float32Array([9, 9, 1, 2, 3, 9]);
      createSqliteEmbeddingCache(db, 'm').put('view', backing.subarray(2, 5));
      expect(Array.from(createSqliteEmbeddingCache(db, 'm').get('view') ?? [])).to.deep.equal([1, 2, 3]);
    });

    it('misses rows written for another model id', () => {
      createSqliteEmbeddingCache(db, 'model-a').put('h', vec(1));
      expect(createSqliteEmbeddingCache(db, 'model-b').get('h')).to.equal(undefined);
    });

    it('keeps the first vector when the same key is written twice', () => {
      const cache = createSqliteEmbeddingCache(db, 'm', { lruEntries: 1 });
      cache.put('h', vec(1));
      cache.put('h', vec(2));
      expect(Array.from(createSqliteEmbeddingCache(db, 'm').get('h') ?? [])).to.deep.equal([1]);
      expect(db.prepare('SELECT count(*) AS n FROM embedding_cache').get()).to.deep.equal({ n: 1 });
    });
  });
});
