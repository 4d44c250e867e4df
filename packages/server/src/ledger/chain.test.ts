import { expect } from 'chai';
import { canonicalEncoding, GENESIS_HASH, hashEntry } from './chain.js';
import { openTestLedger } from './test-helpers.js';

describe('ledger chain', () => {
  const golden = {
    seq: 2,
    txId: 1,
    time: 1764074433000,
    namespace: 'ops',
    actor: 'alice',
    onBehalfOf: '',
    action: 'memory.created',
    subject: 'm-1',
    agentId: 'agent-7',
    payload: '{"contentHash":"ab","note":"é\\"✓"}',
    correlationId: 'req-42',
    prevHash: 'a'.repeat(64),
  };

  it('hashes the documented canonical encoding 1 (golden vector an auditor can check)', () => {
    const entry = { ...golden, encoding: 1 as const };
    expect(canonicalEncoding(entry)).to.equal(
      '["cortex.ledger.v1",2,1,1764074433000,"ops","alice","memory.created","m-1","agent-7","{\\"contentHash\\":\\"ab\\",\\"note\\":\\"é\\\\\\"✓\\"}","req-42","' +
        'a'.repeat(64) +
        '"]',
    );
    expect(hashEntry(entry)).to.equal('29b5dae767358bb1419f5fee8dd3cce43285d28948a2d9c456722b3a163596c8');
  });

  it('hashes the documented canonical encoding 2, with the claimed actor after the actor (golden vector)', () => {
    const entry = { ...golden, actor: 'deploy-bot', onBehalfOf: 'alice', encoding: 2 as const };
    expect(canonicalEncoding(entry)).to.equal(
      '["cortex.ledger.v2",2,1,1764074433000,"ops","deploy-bot","alice","memory.created","m-1","agent-7","{\\"contentHash\\":\\"ab\\",\\"note\\":\\"é\\\\\\"✓\\"}","req-42","' +
        'a'.repeat(64) +
        '"]',
    );
    expect(hashEntry(entry)).to.equal('5d805e157d9942359539f6d7ef250b60c1b044bf9f4d6ac94db05143100ac076');
  });

  it('binds the encoding into the hash: the same fields under the other encoding hash differently', () => {
    expect(hashEntry({ ...golden, encoding: 1 })).to.not.equal(hashEntry({ ...golden, encoding: 2 }));
  });

  it('appends gap-free seqs, links each entry to the previous hash and stamps tx_id with the first seq', () => {
    const t = openTestLedger();
    try {
      const entries = t.append(1, 3, 2);
      expect(entries.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(entries.map((e) => e.txId)).to.deep.equal([1, 2, 2, 2, 5, 5]);
      expect(entries[0]?.prevHash).to.equal(GENESIS_HASH);
      entries.slice(1).forEach((e, i) => expect(e.prevHash).to.equal(entries[i]?.hash));
      for (const e of entries) expect(hashEntry(e)).to.equal(e.hash);
      expect(t.ledger.head()).to.deep.equal({ seq: 6, hash: entries[5]?.hash });
    } finally {
      t.close();
    }
  });

  it('leaves no gap and publishes nothing when the surrounding transaction rolls back', () => {
    const t = openTestLedger();
    try {
      const published: number[][] = [];
      t.ledger.onCommit((entries) => published.push(entries.map((e) => e.seq)));
      t.append(2);
      expect(() =>
        t.transact((tx) => {
          t.ledger.append(tx, [{ namespace: 'n', actor: 'a', action: 'x', subject: 's' }]);
          throw new Error('boom');
        }),
      ).to.throw('boom');
      t.append(1);
      expect(published).to.deep.equal([[1, 2], [3]]);
    } finally {
      t.close();
    }
  });

  it('signs a head inside the transaction that reaches the one due, N entries after the previous head', () => {
    const t = openTestLedger({ checkpointEvery: 5 });
    try {
      t.append(3, 3, 1, 4, 2, 3);
      // 1-3, 4-6 (reaches 5: head 6, next due 11), 7, 8-11 (head 11, next 16), 12-13, 14-16 (head 16)
      expect(t.heads.range(0, 100).map((h) => h.treeSize)).to.deep.equal([0, 6, 11, 16]);
      expect(t.signed.map((h) => [h.treeSize, h.nextDue])).to.deep.equal([[0, 5], [6, 11], [11, 16], [16, 21]]);
    } finally {
      t.close();
    }
  });

  it('keeps the head after every entry has been archived out of the live table', async () => {
    const t = openTestLedger({ segmentEntries: 4, liveSegments: 0 });
    try {
      const entries = t.append(4);
      await t.maintenance.runOnce();
      expect(t.ledger.entries(1, 100, 100)).to.have.length(0);
      expect(t.ledger.head()).to.deep.equal({ seq: 4, hash: entries[3]?.hash });
      expect(t.ledger.oldestLiveSeq()).to.equal(5);
      expect(t.append(1)[0]).to.include({ seq: 5, prevHash: entries[3]?.hash });
    } finally {
      t.close();
    }
  });
});
