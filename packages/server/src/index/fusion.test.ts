import { expect } from 'chai';
import { boostHits, DEFAULT_VECTOR_WEIGHT, fuseScores, fusionDepth } from './fusion.js';

describe('hybrid fusion', () => {
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

  it('keeps each list’s original score and 1-based rank, and omits them for lists without the id', () => {
    const fused = fuseScores({ vector, keyword });
    const byId = new Map(fused.map((h) => [h.id, h]));
    expect(byId.get('a')).to.deep.equal({ id: 'a', score: byId.get('a')!.score, vectorScore: 0.9, vectorRank: 1, keywordScore: 3, keywordRank: 3 });
    expect(byId.get('b')).to.not.have.property('keywordRank');
    expect(byId.get('d')).to.not.have.property('vectorScore');
    expect(byId.get('d')).to.include({ keywordScore: 9, keywordRank: 2 });
  });

  it('ranks a list by score, not by input order, and keeps the best entry of a repeated id', () => {
    const fused = fuseScores({ vector: [{ id: 'x', score: 0.1 }, { id: 'y', score: 0.5 }, { id: 'x', score: 0.9 }] });
    expect(fused.map((h) => [h.id, h.vectorRank, h.vectorScore])).to.deep.equal([
      ['x', 1, 0.9],
      ['y', 2, 0.5],
    ]);
  });

  it('gives both lists equal shares unless told otherwise, and breaks ties by id', () => {
    expect(DEFAULT_VECTOR_WEIGHT).to.equal(0.5);
    expect(fuseScores({ vector, keyword }).map((h) => h.id)).to.deep.equal(['a', 'c', 'd', 'b']);
    expect(fuseScores({ vector: [{ id: 'q', score: 1 }], keyword: [{ id: 'p', score: 5 }] }).map((h) => h.id)).to.deep.equal(['p', 'q']);
  });

  it('makes each hybrid list twice top_k deep, and at least 50', () => {
    expect([1, 10, 25, 50].map(fusionDepth)).to.deep.equal([50, 50, 50, 100]);
  });

  it('rejects non-finite scores and a weight outside 0..1', () => {
    expect(() => fuseScores({ vector: [{ id: 'a', score: Number.NaN }] })).to.throw(RangeError);
    expect(() => fuseScores({ vector }, { vectorWeight: 1.5 })).to.throw(RangeError);
  });

  it('fuses scores normalised per list onto [0, 1], weighted, so each list’s gaps survive', () => {
    const fused = fuseScores({ vector, keyword }, { vectorWeight: 0.5 });
    const byId = new Map(fused.map((h) => [h.id, h.score]));
    // vector 0.9/0.8/0.7 → 1/0.5/0; keyword 12/9/3 → 1/(6/9)/0.
    expect(byId.get('a')).to.be.closeTo(0.5 * 1 + 0.5 * 0, 1e-12);
    expect(byId.get('c')).to.be.closeTo(0.5 * 0 + 0.5 * 1, 1e-12);
    expect(byId.get('d')).to.be.closeTo(0.5 * (6 / 9), 1e-12);
    expect(byId.get('b')).to.be.closeTo(0.5 * 0.5, 1e-12);
    expect(fused.map((h) => h.id)).to.deep.equal(['a', 'c', 'd', 'b']);
    expect(fused[0]).to.deep.include({ vectorScore: 0.9, vectorRank: 1, keywordScore: 3, keywordRank: 3 });
  });

  it('gives a one-entry list full weight and leaves a missing list out', () => {
    expect(fuseScores({ vector: [{ id: 'x', score: 0.2 }] })).to.deep.equal([{ id: 'x', score: 0.5, vectorScore: 0.2, vectorRank: 1 }]);
    expect(fuseScores({}, { vectorWeight: 1 })).to.deep.equal([]);
    expect(() => fuseScores({ vector }, { vectorWeight: -0.1 })).to.throw(RangeError);
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
