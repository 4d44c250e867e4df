import { expect } from 'chai';
import { exactSearch } from './exact.js';

describe('exact cosine search', () => {
  const candidates = [
    { label: 1, vector: [1, 0] },
    { label: 2, vector: [0, 1] },
    { label: 3, vector: [0.8, 0.6] },
    { label: 4, vector: [-1, 0] },
  ];

  it('returns the k most similar labels, highest cosine first, with distance = 1 - score', () => {
    const hits = exactSearch([1, 0], candidates, 2);
    expect(hits.map((h) => h.label)).to.deep.equal([1, 3]);
    expect(hits[0]!.score).to.be.closeTo(1, 1e-9);
    expect(hits[1]!.score).to.be.closeTo(0.8, 1e-9);
    for (const h of hits) expect(h.distance).to.be.closeTo(1 - h.score, 1e-12);
  });

  it('uses cosine, so vector length does not change the order', () => {
    const hits = exactSearch([2, 0], [{ label: 9, vector: [10, 1] }, { label: 8, vector: [0.1, 0] }], 2);
    expect(hits.map((h) => h.label)).to.deep.equal([8, 9]);
  });

  it('breaks score ties by the smaller label', () => {
    const tied = [5, 3, 9, 1].map((label) => ({ label, vector: [1, 1] }));
    expect(exactSearch([1, 1], tied, 3).map((h) => h.label)).to.deep.equal([1, 3, 5]);
  });

  it('returns every candidate when there are fewer than k', () => {
    expect(exactSearch([0, 1], candidates, 10)).to.have.length(4);
  });

  it('rejects a candidate with the wrong number of dimensions and a non-positive k', () => {
    expect(() => exactSearch([1, 0], [{ label: 1, vector: [1, 0, 0] }], 1)).to.throw(RangeError);
    expect(() => exactSearch([1, 0], candidates, 0)).to.throw(RangeError);
  });
});
