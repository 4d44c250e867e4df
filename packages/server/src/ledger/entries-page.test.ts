import { expect } from 'chai';
import { readEntriesPage } from './entries-page.js';
import { openTestLedger } from './test-helpers.js';

describe('ledger pages for a reader of some namespaces', () => {
  it('skips entries of namespaces the reader does not hold, continuing after what it looked at', () => {
    const t = openTestLedger();
    try {
      t.append(5, 5, 5); // namespaces alternate: odd, even, odd, ...
      const query = { fromSeq: 1, toSeq: 0, pageSize: 2, pageToken: '', namespace: '', readable: { covers: (ns: string) => ns === 'even' } };
      const first = readEntriesPage(t.ledger, query);
      expect(first.entries.map((e) => e.seq)).to.deep.equal([2, 4]);
      const second = readEntriesPage(t.ledger, { ...query, pageToken: first.nextPageToken });
      expect(second.entries.map((e) => e.seq)).to.deep.equal([6, 8]);
      const named = readEntriesPage(t.ledger, { ...query, pageSize: 100, namespace: 'odd', readable: undefined });
      expect(named.entries.every((e) => e.namespace === 'odd')).to.equal(true);
      expect(named.entries).to.have.length(8);
    } finally {
      t.close();
    }
  });

  it('returns a short page, even an empty one, with a token once it has looked at enough entries', () => {
    const t = openTestLedger();
    try {
      t.append(6000, 6000);
      const query = { fromSeq: 0, toSeq: 0, pageSize: 10, pageToken: '', namespace: '', readable: { covers: () => false } };
      const first = readEntriesPage(t.ledger, query);
      expect(first.entries).to.deep.equal([]);
      expect(first.nextPageToken).to.not.equal('');
      const second = readEntriesPage(t.ledger, { ...query, pageToken: first.nextPageToken });
      expect(second).to.deep.include({ entries: [], nextPageToken: '' });
    } finally {
      t.close();
    }
  });
});
