import { expect } from 'chai';
import { createChunkOwners } from './chunk-owners.js';

describe('chunk owners', () => {
  it('keeps each namespace’s labels as chunks are added, moved and removed', () => {
    const owners = createChunkOwners();
    owners.set(1, { rowId: 10, namespace: 'a' });
    owners.set(2, { rowId: 10, namespace: 'a' });
    owners.set(3, { rowId: 11, namespace: 'b' });
    // A chunk id reused by another tenant's memory leaves the first namespace.
    owners.set(2, { rowId: 12, namespace: 'b' });
    expect([...owners.labelsIn('a')]).to.deep.equal([1]);
    expect([...owners.labelsIn('b')].sort()).to.deep.equal([2, 3]);
    expect(owners.get(2)).to.deep.equal({ rowId: 12, namespace: 'b' });
    owners.delete(1);
    owners.delete(99); // unknown: nothing happens
    expect(owners.labelsIn('a').size).to.equal(0);
    expect(owners.get(1)).to.equal(undefined);
    expect(owners.size()).to.equal(2);
  });
});
