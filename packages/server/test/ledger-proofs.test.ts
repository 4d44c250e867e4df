import { expect } from 'chai';
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { SignedHead } from '@cortex/proto/cortex/v1/ledger_service';
import { RememberRequest } from '@cortex/proto/cortex/v1/memory_service';
import { HealthCheckResponse_ServingStatus } from '@cortex/proto/grpc/health/v1/health';
import { hashEntry } from '../src/ledger/chain.js';
import { entryLeafHash, rootFromInclusionProof, verifyConsistency } from '../src/ledger/merkle.js';
import { openNote } from '../src/ledger/note.js';
import { publicKeyFromSecret } from '../src/ledger/signing.js';
import { rebuildTree } from '../src/ledger/verify/tamper-test-helpers.js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';
import { range, record, recordMany, subscribe } from './ledger-helpers.js';

const SIGNING_KEY = 'proofs-test-signing-key-0123456789abcdef';
const ENV = { CORTEX_SIGNING_KEY: SIGNING_KEY, CORTEX_SIGNING_KEY_ID: 'p1', CORTEX_LEDGER_CHECKPOINT_ENTRIES: '4' };
const TRUSTED = new Map([[publicKeyFromSecret(SIGNING_KEY), 'p1']]);

describe('LedgerService signed heads and Merkle proofs', function () {
  this.timeout(120_000);
  let server: TestServer;
  let heads: SignedHead[];
  const head = (treeSize: number) => call(server.ledger.getSignedHead.bind(server.ledger), { treeSize });

  before(async () => {
    server = await startTestServer({ env: ENV });
    await recordMany(server.ledger, 30);
    // One entry per transaction and a head due every 4: heads at 0 (signed at start), 4, 8, ..., 28.
    heads = await Promise.all(range(0, 7).map(async (i) => (await head(i * 4)).head!));
  });
  after(async () => {
    await server.stop();
  });

  it('serves signed heads whose note verifies with the public key, the fields parsed from it', async () => {
    const newest = (await head(0)).head!;
    expect(newest).to.deep.include({ treeSize: 28, keyId: 'p1', origin: 'cortex.ledger', nextHeadDue: 32 });
    for (const h of heads) {
      const opened = openNote(h.note, TRUSTED);
      expect(opened, `head ${h.treeSize}`).to.have.property('keyId', 'p1');
      expect(h.note.split('\n').slice(0, 3)).to.deep.equal(['cortex.ledger', String(h.treeSize), Buffer.from(h.rootHash).toString('base64')]);
    }
    heads.slice(1).forEach((h, i) => expect(h.previousHeadHash).to.not.deep.equal(heads[i]!.previousHeadHash));
  });

  it('proves every entry in every head by its audit path, and every head a prefix of every later one', async () => {
    const entries = (await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: 1, toSeq: 28, pageSize: 100, pageToken: '', namespace: '' })).entries;
    for (const h of heads.slice(1)) {
      for (const entry of entries.filter((e) => e.seq <= h.treeSize)) {
        const proof = await call(server.ledger.getInclusionProof.bind(server.ledger), { seq: entry.seq, treeSize: h.treeSize });
        const root = rootFromInclusionProof(entryLeafHash(entry.hash), entry.seq - 1, h.treeSize, proof.hashes.map((b) => Buffer.from(b)));
        expect(root?.equals(Buffer.from(h.rootHash)), `${entry.seq} in ${h.treeSize}`).to.equal(true);
        expect(proof.head?.note).to.equal(h.note);
      }
    }
    for (const older of heads) {
      for (const newer of heads.filter((h) => h.treeSize >= older.treeSize)) {
        const request = { fromSize: older.treeSize, toSize: newer.treeSize };
        const proof = await call(server.ledger.getConsistencyProof.bind(server.ledger), request);
        const [oldRoot, newRoot] = [Buffer.from(older.rootHash), Buffer.from(newer.rootHash)];
        const ok = verifyConsistency(older.treeSize, newer.treeSize, oldRoot, newRoot, proof.hashes.map((b) => Buffer.from(b)));
        expect(ok, `${older.treeSize} -> ${newer.treeSize}`).to.equal(true);
      }
    }
    const latest = await call(server.ledger.getInclusionProof.bind(server.ledger), { seq: 5, treeSize: 0 });
    expect(latest).to.deep.include({ seq: 5, treeSize: 28 });
  });

  it('names the field or the range for bad requests', async () => {
    const cases: Array<[Promise<import('@grpc/grpc-js').ServiceError>, number, string, string[]]> = [
      [callError(server.ledger.getInclusionProof.bind(server.ledger), { seq: 0, treeSize: 0 }), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT', ['seq']],
      [callError(server.ledger.getInclusionProof.bind(server.ledger), { seq: 9, treeSize: 8 }), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT', ['tree_size']],
      [callError(server.ledger.getInclusionProof.bind(server.ledger), { seq: 1, treeSize: 1000 }), status.OUT_OF_RANGE, 'LEDGER_RANGE_BEYOND_HEAD', []],
      [callError(server.ledger.getInclusionProof.bind(server.ledger), { seq: 30, treeSize: 0 }), status.OUT_OF_RANGE, 'LEDGER_ENTRY_NOT_YET_SIGNED', []],
      [callError(server.ledger.getConsistencyProof.bind(server.ledger), { fromSize: 9, toSize: 8 }), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT', ['to_size']],
      [callError(server.ledger.getConsistencyProof.bind(server.ledger), { fromSize: -1, toSize: -1 }), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT', ['from_size', 'to_size']],
      [callError(server.ledger.getSignedHead.bind(server.ledger), { treeSize: 3 }), status.NOT_FOUND, 'LEDGER_HEAD_NOT_FOUND', []],
      [callError(server.ledger.getSignedHead.bind(server.ledger), { treeSize: 1000 }), status.OUT_OF_RANGE, 'LEDGER_RANGE_BEYOND_HEAD', []],
    ];
    for (const [pending, code, reason, fields] of cases) {
      const error = await pending;
      expect(error.code, error.message).to.equal(code);
      expect(errorDetails(error).reason).to.equal(reason);
      expect(errorDetails(error).fieldViolations.map((v) => v.field)).to.deep.equal(fields);
    }
  });

  it('streams signed heads to subscribers: the newest on reaching the tail, then each new one after its commits', async () => {
    const stream = subscribe(server.ledger, { fromSeq: 1 });
    await stream.until((c) => c.messages.some((m) => m.head?.treeSize === 28));
    const appended = await recordMany(server.ledger, 4);
    await stream.until((c) => c.messages.some((m) => m.head?.treeSize === 32));
    stream.cancel();
    const positions = (seq: number) => stream.messages.findIndex((m) => m.commit?.entries.some((e) => e.seq === seq));
    const headAt = (size: number) => stream.messages.findIndex((m) => m.head?.treeSize === size);
    expect(appended).to.deep.equal([31, 32, 33, 34]);
    expect(headAt(28)).to.be.greaterThan(positions(28));
    expect(headAt(32)).to.be.greaterThan(positions(32));
    expect(openNote(stream.messages[headAt(32)]!.head!.note, TRUSTED)).to.have.property('keyId', 'p1');
  });
});

describe('ledger start-up verification', function () {
  this.timeout(120_000);
  let dataDir: string;
  let outside: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cortex-ledger-startup-'));
    outside = join(mkdtempSync(join(tmpdir(), 'cortex-ledger-witness-')), 'trusted-head');
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(outside, '..'), { recursive: true, force: true });
  });

  it('refuses every write with FAILED_PRECONDITION after the tail was cut, reports LedgerService NOT_SERVING, and keeps reads working', async () => {
    let server = await startTestServer({ dataDir, env: ENV });
    await recordMany(server.ledger, 10);
    await server.stop({ keepData: true });
    const db = new Database(join(dataDir, 'cortex.db'));
    db.prepare('DELETE FROM ledger WHERE seq > 7').run();
    db.close();

    server = await startTestServer({ dataDir, env: ENV });
    try {
      const health = async (service: string) => (await call(server.health.check.bind(server.health), { service })).status;
      expect(await health('cortex.v1.LedgerService')).to.equal(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect(await health('cortex.v1.MemoryService')).to.equal(HealthCheckResponse_ServingStatus.SERVING);
      const refused = await callError(server.ledger.record.bind(server.ledger), { namespace: 'audit', actor: 'a', action: 'x', subject: '', agentId: '', payloadJson: '' });
      expect(refused.code).to.equal(status.FAILED_PRECONDITION);
      expect(errorDetails(refused)).to.deep.include({ reason: 'LEDGER_INTEGRITY_FAILED' });
      expect(errorDetails(refused).metadata).to.deep.include({ firstBadSeq: '8' });
      const remember = await callError(server.memory.remember.bind(server.memory), RememberRequest.fromPartial({ namespace: 'n', memories: [{ id: 'm', content: 'hello there' }] }));
      expect(remember.code).to.equal(status.FAILED_PRECONDITION);
      const page = await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: 1, toSeq: 0, pageSize: 100, pageToken: '', namespace: '' });
      expect(page.entries.map((e) => e.seq)).to.deep.equal(range(1, 7));
      expect(await call(server.ledger.verify.bind(server.ledger), { fromSeq: 0, toSeq: 0 })).to.deep.include({ ok: false, firstBadSeq: 8 });
    } finally {
      await server.stop({ keepData: true });
    }
    // Nothing was appended, so no sequence number was handed out twice.
    const after = new Database(join(dataDir, 'cortex.db'), { readonly: true });
    expect(after.prepare('SELECT max(seq) AS seq FROM ledger').get()).to.deep.equal({ seq: 7 });
    after.close();
  });

  it('refuses a forged entry appended after the last head, even with its hash and Merkle nodes recomputed', async () => {
    let server = await startTestServer({ dataDir, env: ENV });
    await recordMany(server.ledger, 3);
    await server.stop({ keepData: true });
    const db = new Database(join(dataDir, 'cortex.db'));
    const last = db.prepare('SELECT * FROM ledger WHERE seq = 3').get() as Record<string, string | number>;
    const forged = {
      seq: 4,
      txId: 4,
      time: Number(last.time),
      namespace: 'audit',
      actor: 'tester',
      action: 'test.event',
      subject: 'forged',
      agentId: '',
      payload: '{"k":1}',
      correlationId: '',
      prevHash: String(last.hash),
      onBehalfOf: '',
      encoding: 1 as const,
    };
    const entry = { ...forged, hash: hashEntry(forged) };
    db.prepare(
      `INSERT INTO ledger (seq, tx_id, time, namespace, actor, action, subject, agent_id, payload, correlation_id, prev_hash, hash)
       VALUES (@seq, @txId, @time, @namespace, @actor, @action, @subject, @agentId, @payload, @correlationId, @prevHash, @hash)`,
    ).run(entry);
    rebuildTree(db, 4, [entry]);
    db.close();
    server = await startTestServer({ dataDir, env: ENV });
    try {
      const refused = await callError(server.ledger.record.bind(server.ledger), { namespace: 'audit', actor: 'a', action: 'x', subject: '', agentId: '', payloadJson: '' });
      expect(refused.code).to.equal(status.FAILED_PRECONDITION);
      expect(errorDetails(refused).metadata).to.deep.include({ firstBadSeq: '4' });
    } finally {
      await server.stop({ keepData: true });
    }
  });

  it('keeps the last trusted head outside the data directory too, and with it refuses a rollback to an older copy', async () => {
    const env = { ...ENV, CORTEX_LEDGER_TRUSTED_HEAD_FILE: outside };
    const backup = mkdtempSync(join(tmpdir(), 'cortex-ledger-backup-'));
    const rollBack = () => {
      rmSync(dataDir, { recursive: true, force: true });
      cpSync(backup, dataDir, { recursive: true });
    };
    try {
      let server = await startTestServer({ dataDir, env });
      await recordMany(server.ledger, 5);
      await server.stop({ keepData: true });
      cpSync(dataDir, backup, { recursive: true });
      server = await startTestServer({ dataDir, env });
      await recordMany(server.ledger, 5);
      await server.stop({ keepData: true });
      expect(readFileSync(outside, 'utf8')).to.equal(readFileSync(join(dataDir, 'ledger', 'trusted-head'), 'utf8'));
      expect(readFileSync(outside, 'utf8').split('\n')[1]).to.equal('10');

      // The whole data directory rolled back to the older copy is consistent in itself: without the
      // outside head the server takes it, and hands out seq 6 a second time.
      rollBack();
      server = await startTestServer({ dataDir, env: ENV });
      expect((await record(server.ledger)).entry?.seq).to.equal(6);
      await server.stop({ keepData: true });

      rollBack();
      server = await startTestServer({ dataDir, env });
      try {
        const refused = await callError(server.ledger.record.bind(server.ledger), { namespace: 'a', actor: 'a', action: 'x', subject: '', agentId: '', payloadJson: '' });
        expect(refused.code).to.equal(status.FAILED_PRECONDITION);
        expect(errorDetails(refused).metadata).to.deep.include({ firstBadSeq: '6' });
      } finally {
        await server.stop({ keepData: true });
      }
    } finally {
      rmSync(backup, { recursive: true, force: true });
    }
  });
});
