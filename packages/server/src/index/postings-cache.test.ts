import { expect } from 'chai';
import { createPostingsCache } from './postings-cache.js';

describe('postings cache', () => {
  it('reads a list once and serves it from memory after', () => {
    const cache = createPostingsCache<number>();
    let reads = 0;
    const read = () => {
      reads += 1;
      return [1, 2, 3];
    };
    expect(cache.get(1, 'ship', read)).to.deep.equal([1, 2, 3]);
    expect(cache.get(1, 'ship', read)).to.deep.equal([1, 2, 3]);
    expect(reads).to.equal(1);
    expect(cache.peek(1, 'ship')).to.deep.equal([1, 2, 3]);
    expect(cache.peek(2, 'ship')).to.equal(undefined);
  });

  it('forgets only the namespace whose index changed', () => {
    const cache = createPostingsCache<number>();
    cache.get(1, 'ship', () => [1]);
    cache.get(2, 'ship', () => [2]);
    cache.invalidate(1);
    expect(cache.peek(1, 'ship')).to.equal(undefined);
    expect(cache.peek(2, 'ship')).to.deep.equal([2]);
    expect(cache.get(1, 'ship', () => [1, 9])).to.deep.equal([1, 9]);
  });

  it('holds at most its bound of postings, letting the least recently used lists go first', () => {
    const cache = createPostingsCache<number>(5);
    cache.get(1, 'a', () => [1, 2]);
    cache.get(1, 'b', () => [1, 2]);
    cache.get(1, 'a', () => [0]); // a is now the most recently used
    cache.get(1, 'c', () => [1, 2]);
    expect(cache.peek(1, 'b')).to.equal(undefined);
    expect(cache.peek(1, 'a')).to.deep.equal([1, 2]);
    expect(cache.peek(1, 'c')).to.deep.equal([1, 2]);
    expect(cache.get(1, 'huge', () => [1, 2, 3, 4, 5, 6])).to.have.length(6);
    expect(cache.peek(1, 'huge')).to.equal(undefined);
  });
});
