import { expect } from 'chai';
import { hashEntry, type LedgerEntry } from '../chain.js';
import { createSigner } from '../signing.js';
import { openTestLedger, type TestLedger } from '../test-helpers.js';
import { rebuildTree, rechain } from './tamper-test-helpers.js';
import { createVerifier } from './index.js';

const COLUMNS = ['seq', 'tx_id', 'time', 'namespace', 'actor', 'on_behalf_of', 'action', 'subject', 'agent_id', 'payload', 'correlation_id', 'prev_hash', 'hash', 'encoding'] as const;
type Column = (typeof COLUMNS)[number];

/** Flips one byte of one stored column of one entry, the way a disk error or an editor would. */
function flipByte(t: TestLedger, seq: number, column: Column, byteIndex: number): void {
  const row = t.db.prepare(`SELECT ${column} AS value FROM ledger WHERE seq = ?`).get(seq) as { value: number | string };
  let value: number | string | Buffer;
  if (typeof row.value === 'number') {
    // Flip a byte of the 64-bit integer, high enough that it does not collide with another seq.
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(row.value));
    const at = 7 - (byteIndex % 5);
    bytes[at] = (bytes[at]!) ^ (column === 'seq' ? 0x40 : 0x01);
    value = Number(bytes.readBigInt64BE());
  } else {
    const bytes = Buffer.from(row.value, 'utf8');
    const at = byteIndex % bytes.length;
    bytes[at] = (bytes[at]!) ^ 0x01;
    const text = bytes.toString('utf8');
    value = Buffer.from(text, 'utf8').equals(bytes) ? text : bytes;
  }
  t.db.prepare(`UPDATE ledger SET ${column} = ? WHERE seq = ?`).run(value, seq);
}

describe('ledger verification', () => {
  let t: TestLedger;

  beforeEach(() => {
    t = openTestLedger({ checkpointEvery: 10 });
    t.append(1, 3, 5, 1, 2, 8, 1, 4, 6, 2, 1, 3, 7, 2, 1);
  });
  afterEach(() => t.close());

  it('verifies an untouched chain with its Merkle tree, signed heads and tip', async () => {
    const report = await t.verify({});
    expect(report).to.deep.include({ ok: true, entriesChecked: 47, firstBadSeq: 0, reason: '', headSeq: 47, fromSeq: 1, toSeq: 47 });
    expect(report.checkpointsChecked).to.equal(t.heads.range(1, 47).length).and.be.greaterThan(3);
  });

  it('detects a flipped byte in any column of any stored entry, at that entry', async () => {
    const targets = [1, 2, 3, 4, 10, 23, 24, 47];
    for (const seq of targets) {
      for (const column of COLUMNS) {
        for (const byteIndex of [0, 3]) {
          const original = t.db.prepare('SELECT * FROM ledger WHERE seq = ?').get(seq) as Record<string, unknown>;
          flipByte(t, seq, column, byteIndex);
          const report = await t.verify({});
          expect(report.ok, `${column}[${byteIndex}] of ${seq}`).to.equal(false);
          expect(report.firstBadSeq, `${column}[${byteIndex}] of ${seq}: ${report.reason}`).to.equal(seq);
          t.db.prepare('DELETE FROM ledger WHERE seq = ? OR seq > ?').run(seq, 47);
          t.db
            .prepare(
              `INSERT INTO ledger (seq, tx_id, time, namespace, actor, on_behalf_of, action, subject, agent_id, payload, correlation_id, prev_hash, hash, encoding)
               VALUES (@seq, @tx_id, @time, @namespace, @actor, @on_behalf_of, @action, @subject, @agent_id, @payload, @correlation_id, @prev_hash, @hash, @encoding)`,
            )
            .run(original);
        }
      }
    }
    expect((await t.verify({})).ok).to.equal(true);
  });

  it('reports a deleted entry as missing, at its seq', async () => {
    t.db.prepare('DELETE FROM ledger WHERE seq = 17').run();
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 17, reason: 'missing entry' });
  });

  it('detects entries deleted from the end once a signed head covers them', async () => {
    t.maintenance.checkpointNow();
    t.db.prepare('DELETE FROM ledger WHERE seq >= 45').run();
    const report = await t.verify({});
    expect(report.ok).to.equal(false);
    expect(report.firstBadSeq).to.equal(45);
    expect(report.reason).to.match(/^missing entry/);
  });

  it('detects two entries swapped, at the first of them', async () => {
    const swap = t.db.prepare(
      `UPDATE ledger SET tx_id = o.tx_id, time = o.time, namespace = o.namespace, actor = o.actor, action = o.action,
         subject = o.subject, agent_id = o.agent_id, payload = o.payload, correlation_id = o.correlation_id,
         prev_hash = o.prev_hash, hash = o.hash
       FROM (SELECT * FROM ledger WHERE seq = ?) AS o WHERE ledger.seq = ?`,
    );
    const copy = t.db.prepare('SELECT * FROM ledger WHERE seq = 30').get() as Record<string, unknown>;
    swap.run(31, 30);
    t.db.prepare('DELETE FROM ledger WHERE seq = 31').run();
    t.db
      .prepare(
        `INSERT INTO ledger (seq, tx_id, time, namespace, actor, action, subject, agent_id, payload, correlation_id, prev_hash, hash)
         VALUES (31, @tx_id, @time, @namespace, @actor, @action, @subject, @agent_id, @payload, @correlation_id, @prev_hash, @hash)`,
      )
      .run(copy);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 30 });
  });

  it('catches a rewritten history with every later hash recomputed at the Merkle leaf, and with the tree rebuilt too after the last head that matches', async () => {
    rechain(t, 12, (e) => ({ ...e, subject: e.seq === 12 ? 'forged' : e.subject }), { tree: false });
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 12, reason: 'Merkle tree leaf does not match the entry' });
    rechain(t, 12, (e) => e, { tree: true });
    const matching = t.heads.range(1, 11).at(-1)?.treeSize ?? 0;
    const failing = t.heads.range(12, 47)[0]?.treeSize;
    expect(await t.verify({})).to.deep.include({
      ok: false,
      firstBadSeq: matching + 1,
      reason: `entries ${matching + 1}..${failing} do not match the signed head at tree size ${failing}`,
    });
  });

  it('detects a tampered head signature, and heads signed by an untrusted key', async () => {
    const head = t.heads.range(1, 47)[1]!;
    const forged = head.note.replace(/ (\S+)\n$/, (_, signature: string) => {
      const bytes = Buffer.from(signature, 'base64');
      bytes[10] = bytes[10]! ^ 1;
      return ` ${bytes.toString('base64')}\n`;
    });
    t.db.prepare('UPDATE ledger_heads SET note = ? WHERE tree_size = ?').run(forged, head.treeSize);
    expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: head.treeSize, reason: 'signed head: bad signature' });

    const stranger = createSigner('some other deployment secret value!!', 'other');
    const verify = createVerifier({ ...t, trustedKeys: new Map([[stranger.publicKey, 'other']]) });
    // The first head it meets is the genesis head, before entry 1.
    expect(await verify({})).to.deep.include({ firstBadSeq: 1, reason: 'the signed head at tree size 0: signed by an untrusted key (key id "test")' });
    const first = t.heads.range(1, 47)[0]!.treeSize;
    expect(await verify({ fromSeq: 2 })).to.deep.include({ firstBadSeq: first, reason: 'signed head: signed by an untrusted key (key id "test")' });
  });

  it('verifies a sub-range, linking its first entry to the one before it', async () => {
    flipByte(t, 40, 'subject', 0);
    expect(await t.verify({ fromSeq: 20, toSeq: 30 })).to.deep.include({ ok: true, entriesChecked: 11, fromSeq: 20, toSeq: 30 });
    expect(await t.verify({ fromSeq: 20, toSeq: 45 })).to.deep.include({ ok: false, firstBadSeq: 40 });
    t.db.prepare('UPDATE ledger SET prev_hash = ? WHERE seq = 20').run('0'.repeat(64));
    expect(await t.verify({ fromSeq: 20, toSeq: 30 })).to.deep.include({ ok: false, firstBadSeq: 20, reason: 'broken link to previous entry' });
  });

  it('rejects a range beyond the head with OUT_OF_RANGE', async () => {
    const error = await t.verify({ toSeq: 48 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.have.property('kind', 'OUT_OF_RANGE');
  });
});

describe('ledger encodings', () => {
  /**
   * Rewrites the first `count` entries (all there are) as a database from before encoding 2 holds
   * them: v1, no claim; with the Merkle nodes and the tip the server would have written over them.
   */
  function downgradeToEncoding1(t: TestLedger, count: number): void {
    let prevHash = '0'.repeat(64);
    const rewritten: LedgerEntry[] = [];
    for (const entry of t.ledger.entries(1, count, count)) {
      const v1 = { ...entry, onBehalfOf: '', encoding: 1 as const, prevHash };
      prevHash = hashEntry(v1);
      rewritten.push({ ...v1, hash: prevHash });
      t.db.prepare("UPDATE ledger SET on_behalf_of = '', encoding = 1, prev_hash = ?, hash = ? WHERE seq = ?").run(v1.prevHash, prevHash, entry.seq);
    }
    rebuildTree(t.db, 1, rewritten);
    t.tip.seal(count, prevHash, t.signer.mac);
  }

  it('verifies a chain whose old entries keep encoding 1 and whose new ones use encoding 2, live and archived', async () => {
    const t = openTestLedger({ segmentEntries: 4, liveSegments: 0 });
    try {
      t.append(2, 3);
      downgradeToEncoding1(t, 5);
      const newer = t.append(3, 2);
      expect(newer.every((e) => e.encoding === 2 && e.onBehalfOf !== '')).to.equal(true);
      expect(newer[0]?.prevHash).to.equal(t.ledger.entries(5, 5, 1)[0]?.hash);
      expect(await t.verify({})).to.deep.include({ ok: true, entriesChecked: 10 });

      await t.maintenance.runOnce();
      const archived: LedgerEntry[] = [];
      for (const segment of t.segments.archived()) for await (const entry of t.archive.read(segment)) archived.push(entry);
      expect(archived.map((e) => e.encoding)).to.deep.equal([1, 1, 1, 1, 1, 2, 2, 2, 2, 2].slice(0, archived.length));
      expect(archived.length).to.be.greaterThan(5);
      expect(await t.verify({})).to.deep.include({ ok: true, entriesChecked: 10 });
    } finally {
      t.close();
    }
  });

  it('detects an entry whose encoding was changed, even when its fields are otherwise intact', async () => {
    const t = openTestLedger();
    try {
      t.append(3);
      t.db.prepare('UPDATE ledger SET encoding = 1 WHERE seq = 2').run();
      expect(await t.verify({})).to.deep.include({ ok: false, firstBadSeq: 2, reason: 'hash mismatch' });
    } finally {
      t.close();
    }
  });
});
