import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  frontierIds,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  storedCount,
  storedPosition,
  subtreeRoot,
  verifyConsistency,
  type Hash,
} from './merkle.js';

/** MTH straight from RFC 9162 section 2.1.1, over leaf hashes. */
function naiveRoot(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

/** A stored tree: the nodes a Frontier completes, kept by stored position. */
function grow(count: number) {
  const leaves = Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const stored: Hash[] = [];
  const frontier = new Frontier();
  const roots = [EMPTY_ROOT];
  for (const leaf of leaves) {
    for (const node of frontier.append(leaf)) {
      expect(storedPosition(node.level, node.index), `position of (${node.level}, ${node.index})`).to.equal(stored.length);
      stored.push(node.hash);
    }
    roots.push(frontier.root());
  }
  const read = (level: number, index: number) => stored[storedPosition(level, index)]!;
  return { leaves, stored, roots, read };
}

describe('RFC 9162 Merkle tree', () => {
  const tree = grow(40);

  it('hashes the test vectors of RFC 6962 implementations (leaves "", 00, 10, 2021, ...)', () => {
    const data = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const expected = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const frontier = new Frontier();
    const roots = data.map((hex) => {
      frontier.append(leafHash(Buffer.from(hex, 'hex')));
      return frontier.root().toString('hex');
    });
    expect(roots).to.deep.equal(expected);
    expect(EMPTY_ROOT.toString('hex')).to.equal(createHash('sha256').digest('hex'));
  });

  it('grows the same root as the recursive definition, and stores 2n - popcount(n) nodes', () => {
    for (let n = 0; n <= 40; n += 1) {
      expect(tree.roots[n], `root of ${n}`).to.deep.equal(naiveRoot(tree.leaves.slice(0, n)));
      expect(subtreeRoot(tree.read, 0, n), `stored root of ${n}`).to.deep.equal(tree.roots[n]);
    }
    expect(storedCount(40)).to.equal(tree.stored.length);
  });

  it('rebuilds a frontier from the stored nodes it names', () => {
    for (const n of [0, 1, 5, 32, 39]) {
      const frontier = new Frontier(n, frontierIds(n).map((id) => tree.read(id.level, id.index)));
      expect(frontier.root()).to.deep.equal(tree.roots[n]);
      frontier.append(tree.leaves[n]!);
      expect(frontier.root()).to.deep.equal(tree.roots[n + 1]);
    }
  });

  it('proves every leaf of every tree size, and no proof survives a wrong leaf, index or hash', () => {
    for (let n = 1; n <= 40; n += 1) {
      for (let m = 0; m < n; m += 1) {
        const path = inclusionProof(tree.read, m, n);
        expect(rootFromInclusionProof(tree.leaves[m]!, m, n, path), `${m} in ${n}`).to.deep.equal(tree.roots[n]);
        if (n > 1) expect(rootFromInclusionProof(tree.leaves[(m + 1) % n]!, m, n, path)).to.not.deep.equal(tree.roots[n]);
        if (path.length > 0) {
          const broken = path.map((h, i) => (i === path.length - 1 ? nodeHash(h, h) : h));
          expect(rootFromInclusionProof(tree.leaves[m]!, m, n, broken)).to.not.deep.equal(tree.roots[n]);
          expect(rootFromInclusionProof(tree.leaves[m]!, m, n, path.slice(1))).to.not.deep.equal(tree.roots[n]);
        }
      }
    }
  });

  it('proves every smaller tree a prefix of every larger one, and rejects altered proofs and roots', () => {
    for (let n = 0; n <= 40; n += 1) {
      for (let m = 0; m <= n; m += 1) {
        const proof = consistencyProof(tree.read, m, n);
        expect(verifyConsistency(m, n, tree.roots[m]!, tree.roots[n]!, proof), `${m} -> ${n}`).to.equal(true);
        if (m > 0 && m < n) {
          expect(verifyConsistency(m, n, tree.roots[m - 1]!, tree.roots[n]!, proof)).to.equal(false);
          expect(verifyConsistency(m, n, tree.roots[m]!, tree.roots[n - 1]!, proof)).to.equal(false);
          expect(verifyConsistency(m, n, tree.roots[m]!, tree.roots[n]!, proof.slice(0, -1))).to.equal(false);
          expect(verifyConsistency(m, n, tree.roots[m]!, tree.roots[n]!, [...proof.slice(1), proof[0]!])).to.equal(proof.length === 1);
        }
      }
    }
  });

  it('needs only O(log n) stored nodes for a proof', () => {
    const reads: string[] = [];
    const counting = (level: number, index: number) => {
      reads.push(`${level}/${index}`);
      return tree.read(level, index);
    };
    inclusionProof(counting, 37, 39);
    const inclusionReads = reads.length;
    reads.length = 0;
    consistencyProof(counting, 27, 39);
    expect(inclusionReads).to.be.at.most(2 * Math.ceil(Math.log2(39)));
    expect(reads.length).to.be.at.most(2 * Math.ceil(Math.log2(39)));
  });
});
