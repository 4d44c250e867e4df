import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/index.js';
import { createKeywordIndex, toFtsQuery } from './keyword.js';

/** The keyword index takes any WHERE fragment over `m`; the memory layer builds richer ones. */
const inNamespace = (namespace: string) => ({ sql: 'm.namespace = ?', params: [namespace] });

describe('keyword index', () => {
  it('quotes every term so query text can never inject FTS5 syntax', () => {
    expect(toFtsQuery('NEAR(a b) OR "x" * ^y')).to.equal('"near" OR "b" OR "x" OR "y"');
  });

  it('drops stopwords unless nothing else is left', () => {
    expect(toFtsQuery('What did Caroline adopt?')).to.equal('"caroline" OR "adopt"');
    expect(toFtsQuery('who are you')).to.equal('"who" OR "are" OR "you"');
    expect(toFtsQuery('?! ...')).to.equal(null);
  });

  describe('search', () => {
    let dir: string;
    let db: Db;
    const insert = (namespace: string, id: string, content: string) =>
      db
        .prepare(
          `INSERT INTO memories (namespace, id, content, importance, tier, created_at, updated_at, last_accessed_at, version, content_hash)
           VALUES (?, ?, ?, 0.5, 2, 0, 0, 0, 1, '')`,
        )
        .run(namespace, id, content);

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cortex-keyword-'));
      db = openDatabase({ path: join(dir, 'cortex.db') });
      // Many matches in one namespace, few in another: the filter must not cost top_k.
      for (let i = 0; i < 300; i += 1) insert('busy', `b${i}`, `kettle report number ${i} kettle kettle`);
      for (let i = 0; i < 5; i += 1) insert('quiet', `q${i}`, `the kettle in the quiet kitchen ${i}`);
    });
    after(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('ranks by BM25 and returns only rows passing the filter', () => {
      const index = createKeywordIndex(db);
      const hits = index.search({ query: 'kettle', condition: inNamespace('busy'), limit: 10 });
      expect(hits).to.have.length(10);
      expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score)).to.equal(true);
    });

    it('still fills top_k when the best matches all belong to other rows of the filter', () => {
      const index = createKeywordIndex(db);
      const ids = index
        .search({ query: 'kettle', condition: inNamespace('quiet'), limit: 5 })
        .map((h) => h.rowId);
      const namespaces = ids.map((rowId) => db.prepare<[number], { namespace: string }>('SELECT namespace FROM memories WHERE row_id = ?').get(rowId)!.namespace);
      expect(namespaces).to.deep.equal(['quiet', 'quiet', 'quiet', 'quiet', 'quiet']);
    });
  });
});
