import { expect } from 'chai';
import { credentials, status } from '@grpc/grpc-js';
import { LedgerServiceClient } from '@cortex/proto/cortex/v1/ledger_service';
import { call, errorDetails, startTestServer, type TestServer } from './harness.js';
import { range, recordMany, subscribe } from './ledger-helpers.js';

const BIG_PAYLOAD = JSON.stringify({ filler: 'x'.repeat(4000) });

async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('LedgerService.Subscribe backpressure and shutdown', function () {
  this.timeout(60_000);

  it('cuts off a subscriber that stops reading with RESOURCE_EXHAUSTED, bounded, while the others keep up; it resumes exactly', async () => {
    const server = await startTestServer({ env: { CORTEX_LEDGER_SUBSCRIBER_MAX_BUFFERED: '200' } });
    try {
      const [start] = await recordMany(server.ledger, 1);
      const from = (start!) + 1;
      const stalled = subscribe(server.ledger, { fromSeq: from });
      const healthy = subscribe(server.ledger, { fromSeq: from });
      await stalled.until((c) => c.progress().length > 0);
      await healthy.until((c) => c.progress().length > 0);
      stalled.stream.pause();

      await Promise.all(
        range(1, 4).map(async () => {
          for (let i = 0; i < 150; i += 1) {
            await call(server.ledger.record.bind(server.ledger), { namespace: 'bp', actor: 't', action: 'bulk.write', subject: '', agentId: '', payloadJson: BIG_PAYLOAD });
          }
        }),
      );
      const head = from + 599;
      await healthy.until((c) => c.seqs().at(-1) === head);
      expect(healthy.seqs()).to.deep.equal(range(from, head));
      expect(await metric(server, 'cortex_ledger_subscriber_cutoffs_total')).to.equal(1);
      expect(await metric(server, 'cortex_ledger_subscriber_buffered_entries_peak')).to.be.at.most(200);

      stalled.stream.resume();
      const ended = await stalled.status;
      expect(ended.code).to.equal(status.RESOURCE_EXHAUSTED);
      expect(errorDetails({ ...ended, message: ended.details, name: 'ServiceError' }).reason).to.equal('SUBSCRIBER_TOO_SLOW');
      const got = stalled.seqs();
      expect(got).to.deep.equal(range(from, from + got.length - 1));
      expect(got.length).to.be.lessThan(600);

      const resumed = subscribe(server.ledger, { fromSeq: (got.at(-1) ?? from - 1) + 1, toSeq: head });
      expect((await resumed.status).code).to.equal(status.OK);
      expect([...got, ...resumed.seqs()]).to.deep.equal(range(from, head));
      healthy.cancel();
    } finally {
      await server.stop();
    }
  });

  it('ends open streams with UNAVAILABLE on shutdown, after delivering every committed entry', async () => {
    const server = await startTestServer();
    const client = new LedgerServiceClient(server.address, credentials.createInsecure());
    try {
      const live = subscribe(client, { fromSeq: 1 });
      await live.until((c) => c.progress().length > 0);
      const seqs = await recordMany(server.ledger, 50);
      await server.stop();
      const ended = await live.status;
      expect(ended.code).to.equal(status.UNAVAILABLE);
      expect(live.seqs()).to.deep.equal(seqs);
      expect(seqs).to.deep.equal(range(1, 50));
    } finally {
      client.close();
    }
  });
});
