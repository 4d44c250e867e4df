import { expect } from 'chai';
import { l2Normalize, poolNormalized } from './pooling.js';

describe('pooling', () => {
  // Two rows, sequence 3, dims 2; row 0 has 2 real tokens, row 1 has 3.
  const hidden = Float32Array.from([3, 4, 3, 4, 1000, 1000, 0, 1, 0, 2, 0, 3]);

  it('mean pooling averages only the real tokens of each row, ignoring padding', () => {
    const pooled = poolNormalized('mean', hidden, [2, 3], 3, 2);
    expect(Array.from(pooled)).to.deep.equal([0.6000000238418579, 0.800000011920929, 0, 1]);
  });

  it('cls pooling takes each row\'s first token', () => {
    const pooled = poolNormalized('cls', Float32Array.from([3, 4, 9, 9, 0, 0, 1, 0, 7, 7, 0, 0]), [2, 3], 3, 2);
    expect(Array.from(pooled)).to.deep.equal([0.6000000238418579, 0.800000011920929, 1, 0]);
  });

  it('rejects a hidden state whose size does not match the batch', () => {
    expect(() => poolNormalized('mean', new Float32Array(5), [1], 1, 4)).to.throw(RangeError);
  });

  it('leaves an all-zero vector at zero instead of dividing by zero', () => {
    expect(Array.from(l2Normalize(new Float32Array(3)))).to.deep.equal([0, 0, 0]);
  });
});
