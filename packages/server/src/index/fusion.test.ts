import { expect } from 'chai';
import { boostHits, DEFAULT_RRF_K, fuseRankings, fusionDepth } from './fusion.js';

describe('rank fusion', () => {
  const vector = [
    { id: 'a', score: 0.9 },
    { id: 'b', score: 0.8 },
    { id: 'c', score: 0.7 },
  ];
  const keyword = [
    { id: 'c', score: 12 },
    { id: 'd', score: 9 },
    { id: 'a', score: 3 },
  ];

  it('scores each id by the sum of 1/(k + rank) over the lists it appears in', () => {
    const fused = fuseRankings({ vector, keyword }, { k: 60 });
    const byId = new Map(fused.map((h) => [h.id, h]));
    expect(byId.get('a')!.score).to.be.closeTo(1 / 61 + 1 / 63, 1e-12);
    expect(byId.get('c')!.score).to.be.closeTo(1 / 63 + 1 / 61, 1e-12);
    expect(byId.get('b')!.score).to.be.closeTo(1 / 62, 1e-12);
    expect(byId.get('d')!.score).to.be.closeTo(1 / 62, 1e-12);
  });

  it('orders by fused score and breaks ties by id', () => {
    expect(fuseRankings({ vector, keyword }).map((h) => h.id)).to.deep.equal(['a', 'c', 'b', 'd']);
  });

  it('keeps each list’s original score and 1-based rank, and omits them for lists without the id', () => {
    const [a, , b, d] = fuseRankings({ vector, keyword });
    expect(a).to.deep.equal({ id: 'a', score: a!.score, vectorScore: 0.9, vectorRank: 1, keywordScore: 3, keywordRank: 3 });
    expect(b).to.not.have.property('keywordRank');
    expect(d).to.not.have.property('vectorScore');
    expect(d).to.include({ keywordScore: 9, keywordRank: 2 });
  });

  it('ranks a list by score, not by input order, and keeps the best entry of a repeated id', () => {
    const fused = fuseRankings({ vector: [{ id: 'x', score: 0.1 }, { id: 'y', score: 0.5 }, { id: 'x', score: 0.9 }] });
    expect(fused.map((h) => [h.id, h.vectorRank, h.vectorScore])).to.deep.equal([
      ['x', 1, 0.9],
      ['y', 2, 0.5],
    ]);
  });

  it('fuses with the production constant k = 5 unless told otherwise', () => {
    expect(DEFAULT_RRF_K).to.equal(5);
    const a = fuseRankings({ vector, keyword }).find((h) => h.id === 'a')!;
    expect(a.score).to.be.closeTo(1 / 6 + 1 / 8, 1e-12);
  });

  it('makes each hybrid list twice top_k deep, and at least 20', () => {
    expect([1, 10, 11, 50].map(fusionDepth)).to.deep.equal([20, 20, 22, 100]);
  });

  it('works with only one list, and with none', () => {
    expect(fuseRankings({ keyword }).map((h) => h.id)).to.deep.equal(['c', 'd', 'a']);
    expect(fuseRankings({})).to.deep.equal([]);
  });

  it('rejects non-finite scores and a negative k', () => {
    expect(() => fuseRankings({ vector: [{ id: 'a', score: Number.NaN }] })).to.throw(RangeError);
    expect(() => fuseRankings({ vector }, { k: -1 })).to.throw(RangeError);
  });

  it('boosts the chosen hits by 1 + boost and re-sorts, keeping the order of equal scores', () => {
    const hits = [
      { id: 'x', score: 1 },
      { id: 'y', score: 0.8 },
      { id: 'z', score: 0.8 },
    ];
    expect(boostHits(hits, (id) => id === 'z', 0.5).map((h) => [h.id, h.score])).to.deep.equal([
      ['z', 0.8 * 1.5],
      ['x', 1],
      ['y', 0.8],
    ]);
    expect(boostHits(hits, (id) => id !== 'x', 0.25).map((h) => h.id)).to.deep.equal(['x', 'y', 'z']);
  });
});
