import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../storage/index.js';
import { createKeywordIndex, type KeywordIndex } from './keyword.js';
import { countTerms, queryTerms } from './terms.js';

/** The keyword index takes any WHERE fragment over `m`; the memory layer builds richer ones. */
const inNamespace = (namespace: string) => ({ sql: 'm.namespace = ?', params: [namespace] });

describe('keyword terms', () => {
  it('stems, lower-cases and drops diacritics and stopwords, so forms of a word meet', () => {
    expect(queryTerms('What did Caroline paint at the Café?')).to.deep.equal(['carolin', 'paint', 'cafe']);
    expect([...countTerms('She paints; painting is what she loves').counts]).to.deep.equal([
      ['paint', 2],
      ['love', 1],
    ]);
  });

  it('counts every word, stopwords included, as the document length', () => {
    expect(countTerms('the cat and the hat').length).to.equal(5);
  });

  it('leaves nothing to search for in a query of stopwords or punctuation alone', () => {
    expect(queryTerms('who are you')).to.deep.equal([]);
    expect(queryTerms('?! ...')).to.deep.equal([]);
  });
});

describe('keyword index', () => {
  let dir: string;
  let db: Db;
  let index: KeywordIndex;
  const insert = (namespace: string, id: string, content: string, context = ''): number => {
    const rowId = Number(
      db
        .prepare(
          `INSERT INTO memories (namespace, id, content, importance, tier, created_at, updated_at, last_accessed_at, version, content_hash)
           VALUES (?, ?, ?, 0.5, 2, 0, 0, 0, 1, '')`,
        )
        .run(namespace, id, content).lastInsertRowid,
    );
    index.index(rowId, namespace, { own: content, context });
    return rowId;
  };
  const search = (namespace: string, query: string, limit = 10) =>
    index.search({ namespace, query, condition: inNamespace(namespace), limit });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-keyword-'));
    db = openDatabase({ path: join(dir, 'cortex.db') });
    index = createKeywordIndex(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ranks by BM25 and returns only memories passing the filter', () => {
    for (let i = 0; i < 30; i += 1) insert('busy', `b${i}`, `kettle report number ${i}${i % 3 === 0 ? ' kettle kettle' : ''}`);
    const hits = search('busy', 'kettle');
    expect(hits).to.have.length(10);
    expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score)).to.equal(true);
    const filtered = index.search({ namespace: 'busy', query: 'kettle', condition: { sql: 'm.namespace = ? AND m.kind = ?', params: ['busy', 'none'] }, limit: 10 });
    expect(filtered).to.deep.equal([]);
  });

  it("keeps each namespace's statistics apart: another tenant's writes change neither scores nor ranking", () => {
    insert('quiet', 'q1', 'the kettle whistled in the quiet kitchen');
    insert('quiet', 'q2', 'a kitchen timer rang twice');
    insert('quiet', 'q3', 'tea from the kettle, tea in the kitchen');
    const before = search('quiet', 'kettle kitchen timer');
    for (let i = 0; i < 200; i += 1) insert('loud', `l${i}`, `kettle kettle kettle number ${i}`);
    expect(search('quiet', 'kettle kitchen timer')).to.deep.equal(before);
  });

  it('forgets a removed memory and its share of the statistics', () => {
    insert('ns', 'a', 'the lighthouse keeper counted ships');
    const before = search('ns', 'lighthouse ships');
    const gone = insert('ns', 'b', 'ships, more ships, and a lighthouse');
    index.remove(gone);
    expect(search('ns', 'lighthouse ships')).to.deep.equal(before);
  });

  it('sees every write and removal made after a search, in the namespace searched and no other', () => {
    const first = insert('ns', 'a', 'the lighthouse keeper counted ships');
    insert('other', 'o', 'lighthouse ships everywhere');
    expect(search('ns', 'lighthouse ships').map((h) => h.rowId)).to.deep.equal([first]);
    const second = insert('ns', 'b', 'ships, more ships, and a lighthouse');
    expect(search('ns', 'lighthouse ships').map((h) => h.rowId)).to.have.members([first, second]);
    index.remove(first);
    expect(search('ns', 'lighthouse ships').map((h) => h.rowId)).to.deep.equal([second]);
    const late = insert('other', 'o2', 'a lighthouse with ships');
    expect(search('other', 'lighthouse ships').map((h) => h.rowId)).to.include(late);
  });

  it('finds a memory by its context words, below one that holds them itself', () => {
    const own = insert('ns', 'own', 'we adopted a greyhound from the shelter');
    const context = insert('ns', 'ctx', 'yes, last Friday!', 'did you adopt the greyhound from the shelter?');
    insert('ns', 'other', 'the weather was fine');
    expect(search('ns', 'adopt greyhound').map((h) => h.rowId)).to.deep.equal([own, context]);
  });

  it('returns the same top hits when common words are only looked up for memories rarer ones found', () => {
    for (let i = 0; i < 400; i += 1) insert('ns', `c${i}`, `common filler text ${i % 7 === 0 ? 'rare' : ''} ${i % 50 === 0 ? 'rarest' : ''}`);
    const pruned = search('ns', 'rarest rare common filler', 5);
    const exhaustive = search('ns', 'rarest rare common filler', 1000).slice(0, 5);
    expect(pruned).to.deep.equal(exhaustive);
  });

  it('lists the memories it lacks, so start-up can index those written before it', () => {
    db.prepare(
      `INSERT INTO memories (namespace, id, content, importance, tier, created_at, updated_at, last_accessed_at, version, content_hash)
       VALUES ('ns', 'old', 'written before', 0.5, 2, 0, 0, 0, 1, '')`,
    ).run();
    const indexed = insert('ns', 'new', 'written after');
    expect(index.unindexed(10)).to.have.length(1).and.not.include(indexed);
  });
});
