import { expect } from 'chai';
import { join } from 'node:path';
import winston from 'winston';
import { createHnswIndex } from '../index/index.js';
import { generateClusteredVectors } from '../index/synthetic-vectors.js';
import type { Tx } from '../storage/index.js';
import { createChunkOwners, type ChunkOwner } from './chunk-owners.js';
import { createIndexUpdates } from './index-updates.js';

const DIMS = 16;
const set = generateClusteredVectors({ count: 600, dimensions: DIMS, seed: 5 });
const owner: ChunkOwner = { rowId: 1, namespace: 'ns' };

/** A transaction stand-in: its after-commit work runs when the test says it committed. */
function fakeTx(): Tx & { commit(): void } {
  const callbacks: Array<() => void> = [];
  return { afterCommit: (callback) => callbacks.push(callback), commit: () => callbacks.forEach((callback) => callback()) };
}

describe('index updates', () => {
  const open = () => {
    const index = createHnswIndex({ dimensions: DIMS, path: join('/nonexistent', 'unused.hnsw'), logger: winston.createLogger({ silent: true }) });
    const owners = createChunkOwners();
    let commits = 0;
    const updates = createIndexUpdates({ index, owners, logger: winston.createLogger({ silent: true }), onCommit: () => commits++ });
    return { index, owners, updates, commits: () => commits };
  };

  it('changes nothing until the transaction commits, then applies its changes in call order', async () => {
    const { index, owners, updates, commits } = open();
    const first = fakeTx();
    updates.add(first, owner, [{ label: 7, vector: set.vectors[0]! }]);
    first.commit();
    const tx = fakeTx();
    // A removed chunk's id may be reused by a new chunk in the same transaction.
    updates.remove(tx, [7]);
    updates.add(tx, { rowId: 2, namespace: 'ns' }, [{ label: 7, vector: set.vectors[1]! }]);
    expect(owners.get(7)).to.deep.equal(owner);
    tx.commit();
    await updates.applied();
    expect(index.has(7)).to.equal(true);
    expect(owners.get(7)).to.deep.equal({ rowId: 2, namespace: 'ns' });
    expect(commits()).to.equal(2);
  });

  it('a transaction that never commits leaves the index alone', async () => {
    const { index, updates, commits } = open();
    updates.add(fakeTx(), owner, [{ label: 1, vector: set.vectors[0]! }]);
    await updates.settled();
    expect(index.size()).to.equal(0);
    expect(commits()).to.equal(0);
  });

  it('settles only when every committed change is in the index', async () => {
    const { index, updates } = open();
    for (let batch = 0; batch < 3; batch++) {
      const tx = fakeTx();
      updates.add(tx, owner, Array.from({ length: 200 }, (_, i) => ({ label: batch * 200 + i, vector: set.vectors[batch * 200 + i]! })));
      tx.commit();
    }
    await updates.settled();
    expect(index.size()).to.equal(600);
  });
});
