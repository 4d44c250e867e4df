import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';
import { eventually, range, recordMany, subscribe } from './ledger-helpers.js';

describe('LedgerService with a cold archive', function () {
  this.timeout(60_000);
  let server: TestServer;
  let oldest: number;

  before(async () => {
    server = await startTestServer({
      env: {
        CORTEX_LEDGER_SEGMENT_ENTRIES: '10',
        CORTEX_LEDGER_LIVE_SEGMENTS: '0',
        CORTEX_LEDGER_MAINTENANCE_INTERVAL_MS: '20',
        CORTEX_LEDGER_CHECKPOINT_ENTRIES: '7',
      },
    });
    await recordMany(server.ledger, 35);
    oldest = await eventually(async () => {
      const page = await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' });
      return page.oldestSeq > 30 ? page.oldestSeq : undefined;
    });
  });
  after(async () => {
    await server.stop();
  });

  it('writes sealed segments and their manifests to the archive directory', () => {
    const files = readdirSync(join(server.dataDir, 'ledger', 'archive'));
    expect(files.filter((f) => f.endsWith('.ndjson.gz'))).to.have.length(3);
    expect(files.filter((f) => f.endsWith('.manifest'))).to.have.length(3);
    expect(existsSync(join(server.dataDir, 'ledger', 'dev-signing-key'))).to.equal(true);
  });

  it('answers OUT_OF_RANGE with the oldest available seq for entries archived away', async () => {
    const stream = subscribe(server.ledger, { fromSeq: 1 });
    const ended = await stream.status;
    expect(ended.code).to.equal(status.OUT_OF_RANGE);
    const details = errorDetails({ ...ended, message: ended.details } as ServiceError);
    expect(details.reason).to.equal('LEDGER_ENTRIES_ARCHIVED');
    expect(details.metadata.oldestSeq).to.equal(String(oldest));
    expect(stream.messages).to.have.length(0);

    const page = await callError(server.ledger.getEntries.bind(server.ledger), { fromSeq: 1, toSeq: 0, pageSize: 10, pageToken: '', namespace: '' });
    expect(page.code).to.equal(status.OUT_OF_RANGE);
    expect(errorDetails(page).metadata.oldestSeq).to.equal(String(oldest));
  });

  it('starts at the oldest live entry for from_seq 0', async () => {
    const stream = subscribe(server.ledger, { fromSeq: 0, toSeq: 35 });
    expect((await stream.status).code).to.equal(status.OK);
    expect(stream.seqs()).to.deep.equal(range(oldest, 35));
  });

  it('replays archived entries with include_archived, then follows the live tail without a gap', async () => {
    const stream = subscribe(server.ledger, { fromSeq: 1, includeArchived: true });
    await stream.until((c) => c.seqs().at(-1) === 35);
    const more = await recordMany(server.ledger, 3);
    await stream.until((c) => c.seqs().at(-1) === more.at(-1));
    stream.cancel();
    expect(stream.seqs()).to.deep.equal(range(1, 38));
  });

  it('verifies the archive and the live tail together', async () => {
    const report = await call(server.ledger.verify.bind(server.ledger), { fromSeq: 0, toSeq: 0 });
    expect(report).to.deep.include({ ok: true, fromSeq: 1 });
    expect(report.entriesChecked).to.equal(report.headSeq);
    expect(report.checkpointsChecked).to.be.at.least(3);
  });
});
