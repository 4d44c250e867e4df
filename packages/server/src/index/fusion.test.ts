import { expect } from 'chai';
import { fuseRankings } from './fusion.js';

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
    const fused = fuseRankings({ vector, keyword });
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

  it('applies per-list weights and the rrf constant', () => {
    const fused = fuseRankings({ vector, keyword }, { k: 0, weights: { vector: 0, keyword: 2 } });
    expect(fused.map((h) => h.id)).to.deep.equal(['c', 'd', 'a', 'b']);
    expect(fused[0]!.score).to.equal(2);
  });

  it('works with only one list, and with none', () => {
    expect(fuseRankings({ keyword }).map((h) => h.id)).to.deep.equal(['c', 'd', 'a']);
    expect(fuseRankings({})).to.deep.equal([]);
  });

  it('relative fusion sums min-max normalised scores, so a clear winner keeps its lead', () => {
    const fused = fuseRankings(
      { vector: [{ id: 'p', score: 0.95 }, { id: 'q', score: 0.5 }, { id: 'r', score: 0.49 }], keyword: [{ id: 'q', score: 5 }, { id: 'r', score: 4.9 }] },
      { method: 'relative' },
    );
    expect(fused.map((h) => h.id)).to.deep.equal(['q', 'p', 'r']);
    expect(fused.find((h) => h.id === 'p')!.score).to.equal(1);
    expect(fused.find((h) => h.id === 'r')!.score).to.be.closeTo(0, 1e-12);
  });

  it('rejects non-finite scores and negative weights', () => {
    expect(() => fuseRankings({ vector: [{ id: 'a', score: Number.NaN }] })).to.throw(RangeError);
    expect(() => fuseRankings({ vector }, { weights: { keyword: -1 } })).to.throw(RangeError);
  });
});
