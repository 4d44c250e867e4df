import { expect } from 'chai';
import fc from 'fast-check';
import { exactSearch } from './exact.js';
import { QUANTIZED_HEADER_BYTES, dequantizeVector, quantizeVector, quantizedByteLength } from './quantize.js';
import { generateClusteredVectors, normalize } from './synthetic-vectors.js';

const DIMS = 384;

describe('int8 vector quantization', () => {
  it('stores a 384-d vector in at most half the bytes of float32 (388 vs 1536)', () => {
    const [v] = generateClusteredVectors({ count: 1, dimensions: DIMS }).vectors;
    const blob = quantizeVector(v!);
    expect(blob.length).to.equal(quantizedByteLength(DIMS)).and.equal(388);
    expect(blob.length).to.be.at.most((DIMS * 4) / 2);
  });

  it('reconstructs every component within half a quantization step', () => {
    const vectors = fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 512 });
    fc.assert(
      fc.property(vectors, (values) => {
        const v = Float32Array.from(values);
        const blob = quantizeVector(v);
        const scale = blob.readFloatLE(0);
        const back = dequantizeVector(blob);
        expect(back.length).to.equal(v.length);
        for (let i = 0; i < v.length; i++) {
          expect(Math.abs(back[i]! - v[i]!)).to.be.at.most(scale / 2 + 1e-7);
        }
      }),
    );
  });

  it('round-trips a zero vector to zeros', () => {
    const back = dequantizeVector(quantizeVector(new Float32Array(8)));
    expect(Array.from(back)).to.deep.equal(new Array(8).fill(0));
  });

  it('decodes a blob that is a view into a larger buffer (as SQLite drivers may return)', () => {
    const v = normalize(Float32Array.from([0.3, -0.2, 0.9, 0.1]));
    const blob = quantizeVector(v);
    const big = Buffer.alloc(blob.length + 7);
    blob.copy(big, 3);
    expect(Array.from(dequantizeVector(big.subarray(3, 3 + blob.length)))).to.deep.equal(Array.from(dequantizeVector(blob)));
  });

  it('rejects non-finite input and blobs shorter than the header', () => {
    expect(() => quantizeVector(Float32Array.from([1, Number.NaN]))).to.throw(RangeError);
    expect(() => dequantizeVector(new Uint8Array(QUANTIZED_HEADER_BYTES - 1))).to.throw(RangeError);
  });

  it('loses at most 1 point of recall@10 vs float32 exact search on 10k clustered vectors', () => {
    const set = generateClusteredVectors({ count: 10_000, dimensions: DIMS, seed: 7 });
    const queries = set.queries(100);
    const fp32 = set.vectors.map((vector, label) => ({ label, vector }));
    const int8 = set.vectors.map((v, label) => ({ label, vector: dequantizeVector(quantizeVector(v)) }));
    let hits = 0;
    for (const q of queries) {
      const truth = new Set(exactSearch(q, fp32, 10).map((h) => h.label));
      hits += exactSearch(q, int8, 10).filter((h) => truth.has(h.label)).length;
    }
    const recall = hits / (queries.length * 10);
    expect(recall).to.be.at.least(0.99);
  });
});
