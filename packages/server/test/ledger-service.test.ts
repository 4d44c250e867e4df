import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { hashEntry, isEncodingVersion } from '../src/ledger/chain.js';
import type { LedgerEntry as ProtoEntry } from '@cortex/proto/cortex/v1/ledger_service';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';
import { record, recordMany } from './ledger-helpers.js';

const memory = (id: string, agentId = 'a1') => ({
  id,
  agentId,
  content: `content of ${id}`,
  kind: 'note',
  tags: [],
  metadata: {},
  importance: undefined,
  expiresAt: undefined,
  pinned: false, threadId: '', occurredAt: undefined, embedding: [],
});

const fromProto = (e: ProtoEntry) => {
  if (!isEncodingVersion(e.encodingVersion)) throw new Error(`unknown encoding ${e.encodingVersion}`);
  return { ...e, time: e.time?.getTime() ?? 0, payload: e.payloadJson, encoding: e.encodingVersion };
};

describe('LedgerService', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });
  const getEntries = (fromSeq = 0, toSeq = 0, pageSize = 0, pageToken = '') =>
    call(server.ledger.getEntries.bind(server.ledger), { fromSeq, toSeq, pageSize, pageToken, namespace: '' });
  const verify = (fromSeq = 0, toSeq = 0) => call(server.ledger.verify.bind(server.ledger), { fromSeq, toSeq });

  it('records an audit event with the caller’s correlation id and returns the stored, hash-chained entry', async () => {
    const metadata = new Metadata();
    metadata.set('x-correlation-id', 'audit-req-1');
    const response = await call(
      server.ledger.record.bind(server.ledger),
      { namespace: 'ops', actor: 'deploy-bot', action: 'deploy.finished', subject: 'svc/api', agentId: 'agent-1', payloadJson: '{"version": "1.2.3", "big": 12345678901234567890}' },
      metadata,
    );
    const entry = response.entry!;
    // Without auth the principal is "anonymous"; the client's actor is kept as a claim beside it.
    expect(entry).to.deep.include({ namespace: 'ops', actor: 'anonymous', onBehalfOf: 'deploy-bot', encodingVersion: 2, action: 'deploy.finished', subject: 'svc/api', agentId: 'agent-1', correlationId: 'audit-req-1' });
    expect(entry.txId).to.equal(entry.seq);
    // The client's exact bytes are stored and hashed (no re-serialisation, no lost digits).
    expect(entry.payloadJson).to.equal('{"version": "1.2.3", "big": 12345678901234567890}');
    expect(hashEntry(fromProto(entry))).to.equal(entry.hash);
  });

  it('rejects a bad audit event with every field violation at once', async () => {
    const error = await callError(server.ledger.record.bind(server.ledger), {
      namespace: 'has space',
      actor: 'x'.repeat(129),
      action: 'Not Allowed',
      subject: 'x'.repeat(257),
      agentId: '-bad',
      payloadJson: '[1,2]',
    });
    expect(error.code).to.equal(status.INVALID_ARGUMENT);
    expect(errorDetails(error).fieldViolations.map((v) => v.field)).to.have.members(['namespace', 'actor', 'action', 'subject', 'agent_id', 'payload_json']);
  });

  it('appends the ledger entries of Remember, Forget and PutState in their own transactions', async () => {
    const remembered = await call(server.memory.remember.bind(server.memory), { namespace: 'mut', memories: [memory('m1'), memory('m2'), memory('m3')] });
    const forgotten = await call(server.memory.forget.bind(server.memory), { namespace: 'mut', ids: ['m2'], filter: undefined });
    const put = await call(server.agent.putState.bind(server.agent), { namespace: 'mut', agentId: 'a1', set: { k: 'v' }, deleteKeys: [], expectedVersion: undefined, replace: false });
    const page = await getEntries(remembered.ledgerSeq - 2, put.ledgerSeq);
    expect(page.entries.map((e) => [e.seq - page.entries[0]!.seq, e.txId - page.entries[0]!.seq, e.action, e.subject])).to.deep.equal([
      [0, 0, 'memory.created', 'm1'],
      [1, 0, 'memory.created', 'm2'],
      [2, 0, 'memory.created', 'm3'],
      [3, 3, 'memory.forgotten', 'm2'],
      [4, 4, 'state.put', 'a1'],
    ]);
    expect(forgotten.ledgerSeq).to.equal(remembered.ledgerSeq + 1);
  });

  it('pages through a range with a token pinned to the range, and reports head and oldest seqs', async () => {
    const seqs = await recordMany(server.ledger, 7);
    const first = await getEntries(seqs[0], seqs[6], 3);
    expect(first.entries.map((e) => e.seq)).to.deep.equal(seqs.slice(0, 3));
    expect(first.oldestSeq).to.equal(1);
    expect(first.headSeq).to.be.at.least(seqs[6]!);
    await record(server.ledger); // the head moves; the range does not
    const second = await getEntries(seqs[0], seqs[6], 3, first.nextPageToken);
    const third = await getEntries(seqs[0], seqs[6], 3, second.nextPageToken);
    expect([...second.entries, ...third.entries].map((e) => e.seq)).to.deep.equal(seqs.slice(3));
    expect(third.nextPageToken).to.equal('');

    const replayed = await callError(server.ledger.getEntries.bind(server.ledger), {
      fromSeq: 1,
      toSeq: 0,
      pageSize: 3,
      pageToken: first.nextPageToken,
      namespace: '',
    });
    expect(replayed.code).to.equal(status.INVALID_ARGUMENT);
    const negative = await callError(server.ledger.getEntries.bind(server.ledger), {
      fromSeq: -1,
      toSeq: 0,
      pageSize: -1,
      pageToken: '',
      namespace: '',
    });
    expect(errorDetails(negative).fieldViolations.map((v) => v.field)).to.have.members(['from_seq', 'page_size']);
  });

  it('verifies the whole ledger, then reports the first tampered entry with its reason', async () => {
    await recordMany(server.ledger, 5);
    const good = await verify();
    expect(good).to.deep.include({ ok: true, firstBadSeq: 0, reason: '', fromSeq: 1, toSeq: good.headSeq });
    expect(good.entriesChecked).to.equal(good.headSeq);

    const target = good.headSeq - 2;
    const db = new Database(join(server.dataDir, 'cortex.db'));
    try {
      const { actor } = db.prepare<[number], { actor: string }>('SELECT actor FROM ledger WHERE seq = ?').get(target)!;
      db.prepare("UPDATE ledger SET actor = 'mallory' WHERE seq = ?").run(target);
      const bad = await verify();
      expect(bad).to.deep.include({ ok: false, firstBadSeq: target, reason: 'hash mismatch' });
      expect(await verify(1, target - 1)).to.deep.include({ ok: true });
      db.prepare('UPDATE ledger SET actor = ? WHERE seq = ?').run(actor, target);
      expect(await verify()).to.deep.include({ ok: true });
    } finally {
      db.close();
    }
    const beyond = await callError(server.ledger.verify.bind(server.ledger), { fromSeq: 0, toSeq: good.headSeq + 1000 });
    expect(beyond.code).to.equal(status.OUT_OF_RANGE);
  });
});
