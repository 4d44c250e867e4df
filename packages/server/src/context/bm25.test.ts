import { expect } from 'chai';
import { bm25Scores } from './bm25.js';

describe('BM25 over a conversation’s sentences', () => {
  const docs = [
    ['deploy', 'failed', 'migration'],
    ['lunch', 'tacos'],
    ['deploy', 'retry', 'succeeded', 'deploy'],
    ['weather', 'rain', 'afternoon', 'umbrella', 'deploy'],
  ];

  it('scores only documents sharing a query term, rare terms above common ones', () => {
    const scores = bm25Scores(docs, ['migration', 'deploy']);
    expect(scores[1]).to.equal(0);
    // "migration" is in one document, "deploy" in three: the migration sentence wins.
    expect(scores[0]).to.be.greaterThan(scores[2]!).and.greaterThan(scores[3]!);
  });

  it('rewards repeated terms and penalizes long documents, and counts a repeated query term once', () => {
    const scores = bm25Scores(docs, ['deploy', 'deploy']);
    expect(scores[2]).to.be.greaterThan(scores[0]!);
    expect(scores[0]).to.be.greaterThan(scores[3]!);
    expect([...bm25Scores(docs, ['deploy'])]).to.deep.equal([...scores]);
  });

  it('is all zeros for an empty query or corpus', () => {
    expect([...bm25Scores(docs, [])]).to.deep.equal([0, 0, 0, 0]);
    expect(bm25Scores([], ['deploy'])).to.have.length(0);
  });
});
