import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import type { LedgerEntry } from '@cortex/proto/cortex/v1/ledger_service';
import { call, startTestServer, type TestServer } from './harness.js';
import { range, record, recordMany, subscribe, type Collector } from './ledger-helpers.js';

const memory = (id: string, agentId: string) => ({
  id,
  agentId,
  content: `note ${id}`,
  kind: 'note',
  tags: [],
  metadata: {},
  importance: undefined,
  expiresAt: undefined,
  pinned: false, threadId: '', occurredAt: undefined, embedding: [],
});

describe('LedgerService.Subscribe', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    // Enough history that catch-up takes several pages before it reaches the live tail.
    await Promise.all(range(1, 6).map(() => recordMany(server.ledger, 100, { namespace: 'history' })));
  });
  after(async () => {
    await server.stop();
  });

  const head = async () =>
    (await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' })).headSeq;

  /** Four writers mixing single-entry and multi-entry transactions across namespaces and agents. */
  const writeConcurrently = (perWriter = 40) =>
    Promise.all(
      range(1, 4).map(async (w) => {
        for (let i = 0; i < perWriter; i += 1) {
          if (i % 8 === 0) {
            await call(server.memory.remember.bind(server.memory), {
              namespace: `ns${w}`,
              memories: range(1, 3).map((k) => memory(`w${w}-${i}-${k}`, `agent-${w}`)),
            });
          } else {
            await record(server.ledger, { namespace: `ns${w}`, action: i % 2 ? 'test.odd' : 'test.even', agentId: `agent-${w}` });
          }
        }
      }),
    );

  /** Subscribes while writes are in flight, then waits until the stream has caught up with them. */
  async function duringWrites(request: Parameters<typeof subscribe>[1], caughtUp: (c: Collector, head: number) => boolean) {
    const writes = writeConcurrently();
    const collector = subscribe(server.ledger, request);
    await writes;
    const last = await head();
    await collector.until((c) => caughtUp(c, last));
    collector.cancel();
    return { collector, last };
  }

  it('is ordered: seqs strictly increase across catch-up and the switch to the live tail', async () => {
    const { collector, last } = await duringWrites({ fromSeq: 1 }, (c, h) => c.seqs().at(-1) === h);
    const seqs = collector.seqs();
    seqs.slice(1).forEach((seq, i) => expect(seq).to.be.greaterThan(seqs[i]!));
    expect(seqs[0]).to.equal(1);
    expect(seqs.at(-1)).to.equal(last);
  });

  it('is unique: no entry arrives twice, even when the live tail takes over mid-write', async () => {
    const { collector, last } = await duringWrites({ fromSeq: 350 }, (c, h) => c.seqs().at(-1) === h);
    const seqs = collector.seqs();
    expect(new Set(seqs).size).to.equal(seqs.length);
    expect(seqs).to.deep.equal(range(350, last));
  });

  it('is reliable: a filtered stream misses no matching entry between any two it delivered', async () => {
    const { collector, last } = await duringWrites({ fromSeq: 1, namespace: 'ns2', actions: ['test.odd', 'memory.created'] }, (c) =>
      c.progress().some((p) => p >= 0) && c.entries().filter((e) => e.action === 'memory.created').length >= 15,
    );
    const expected: LedgerEntry[] = [];
    for (let from = 1; from <= last; from += 1000) {
      const page = await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: from, toSeq: Math.min(last, from + 999), pageSize: 1000, pageToken: '', namespace: '' });
      expected.push(...page.entries.filter((e) => e.namespace === 'ns2' && (e.action === 'test.odd' || e.action === 'memory.created')));
    }
    const got = collector.seqs();
    expect(got).to.deep.equal(expected.map((e) => e.seq).slice(0, got.length));
    expect(got.length).to.equal(expected.length);
  });

  it('is atomic: one message per transaction, and bookmarks only at transaction ends', async () => {
    const base = await head();
    const remembered = await call(server.memory.remember.bind(server.memory), {
      namespace: 'atomic',
      memories: range(1, 5).map((k) => memory(`a-${k}`, 'agent-a')),
    });
    await record(server.ledger, { namespace: 'atomic' });
    const forgotten = await call(server.memory.forget.bind(server.memory), { namespace: 'atomic', ids: ['a-1', 'a-3', 'a-5'], filter: undefined });

    const collector = subscribe(server.ledger, { fromSeq: base + 1, toSeq: forgotten.ledgerSeq, heartbeatIntervalMs: 100 });
    expect((await collector.status).code).to.equal(status.OK);
    const commits = collector.messages.flatMap((m) => (m.commit ? [m.commit] : []));
    expect(commits.map((c) => [c.txId - base, c.entries.map((e) => e.seq - base), c.continued])).to.deep.equal([
      [1, [1, 2, 3, 4, 5], false],
      [6, [6], false],
      [7, [7, 8, 9], false],
    ]);
    expect(remembered.ledgerSeq).to.equal(base + 5);
    // Resuming from any bookmark never cuts a transaction: the entry after it starts a new one.
    const bySeq = new Map(collector.entries().map((e) => [e.seq, e]));
    for (const bookmark of collector.progress()) {
      const next = bySeq.get(bookmark + 1);
      if (next) expect(next.txId, `bookmark ${bookmark}`).to.equal(next.seq);
    }
    expect(collector.progress().at(-1)).to.equal(forgotten.ledgerSeq);
  });

  it('is resumable: a new subscription from the last seq + 1 continues exactly where the first stopped', async () => {
    const start = await head();
    const writes = writeConcurrently();
    const first = subscribe(server.ledger, { fromSeq: start + 1 });
    await first.until((c) => c.seqs().length >= 40);
    first.cancel();
    await first.status;
    const lastSeen = first.seqs().at(-1)!;
    await writes;
    const last = await head();
    const second = subscribe(server.ledger, { fromSeq: lastSeen + 1 });
    await second.until((c) => c.seqs().at(-1) === last);
    second.cancel();
    expect([...first.seqs(), ...second.seqs()]).to.deep.equal(range(start + 1, last));
  });

  it('is bookmarkable: a progress message with head H comes only after every matching entry up to H', async () => {
    const { collector, last } = await duringWrites({ fromSeq: 1, agentId: 'agent-3', heartbeatIntervalMs: 100 }, (c, h) => c.progress().at(-1) === h);
    const received = new Set<number>();
    let checked = 0;
    const expected = new Set<number>();
    for (let from = 1; from <= last; from += 1000) {
      const page = await call(server.ledger.getEntries.bind(server.ledger), { fromSeq: from, toSeq: Math.min(last, from + 999), pageSize: 1000, pageToken: '', namespace: '' });
      for (const e of page.entries) if (e.agentId === 'agent-3') expected.add(e.seq);
    }
    for (const message of collector.messages) {
      for (const e of message.commit?.entries ?? []) received.add(e.seq);
      if (message.progress) {
        const h = message.progress.headSeq;
        for (const seq of expected) if (seq <= h) expect(received.has(seq), `entry ${seq} before bookmark ${h}`).to.equal(true);
        checked += 1;
      }
    }
    expect(checked).to.be.greaterThan(0);
    expect(collector.progress().at(-1)).to.equal(last);
  });

  it('sends progress heartbeats carrying the head while idle', async () => {
    const h = await head();
    const collector = subscribe(server.ledger, { fromSeq: h + 1, heartbeatIntervalMs: 100 });
    await collector.until((c) => c.progress().length >= 3);
    collector.cancel();
    expect(collector.progress().every((p) => p === h)).to.equal(true);
    expect(collector.seqs()).to.deep.equal([]);
  });

  it('filters by namespace, actions and agent', async () => {
    const h = await head();
    await record(server.ledger, { namespace: 'f1', action: 'x.keep', agentId: 'ag1' });
    await record(server.ledger, { namespace: 'f2', action: 'x.keep', agentId: 'ag1' });
    await record(server.ledger, { namespace: 'f1', action: 'x.drop', agentId: 'ag1' });
    await record(server.ledger, { namespace: 'f1', action: 'x.keep', agentId: 'ag2' });
    await record(server.ledger, { namespace: 'f1', action: 'y.keep', agentId: 'ag1' });
    const done = h + 5;
    const pick = async (request: Parameters<typeof subscribe>[1]) => {
      const c = subscribe(server.ledger, { fromSeq: h + 1, toSeq: done, ...request });
      await c.status;
      return c.seqs().map((s) => s - h);
    };
    expect(await pick({ namespace: 'f1' })).to.deep.equal([1, 3, 4, 5]);
    expect(await pick({ actions: ['x.keep', 'y.keep'] })).to.deep.equal([1, 2, 4, 5]);
    expect(await pick({ agentId: 'ag1' })).to.deep.equal([1, 2, 3, 5]);
    expect(await pick({ namespace: 'f1', actions: ['x.keep'], agentId: 'ag1' })).to.deep.equal([1]);
  });

  it('delivers the last messages of a finite catch-up to a consumer that reads slowly', async () => {
    const big = JSON.stringify({ filler: 'x'.repeat(4000) });
    const from = (await head()) + 1;
    await Promise.all(
      range(1, 4).map(async () => {
        for (let i = 0; i < 150; i += 1) {
          await call(server.ledger.record.bind(server.ledger), { namespace: 'slow', actor: 't', action: 'bulk.write', subject: '', agentId: '', payloadJson: big });
        }
      }),
    );
    const to = await head();
    const collector = subscribe(server.ledger, { fromSeq: from, toSeq: to });
    await collector.until((c) => c.messages.length > 0);
    collector.stream.pause();
    await new Promise((r) => setTimeout(r, 300));
    collector.stream.resume();
    const final = await collector.status;
    expect(final.code).to.equal(status.OK);
    expect(collector.seqs()).to.deep.equal(range(from, to));
    expect(collector.progress().at(-1)).to.equal(to);
  });

  it('answers OUT_OF_RANGE for a from_seq beyond the head and INVALID_ARGUMENT for bad filters', async () => {
    const h = await head();
    const beyond = subscribe(server.ledger, { fromSeq: h + 2 });
    const s1 = await beyond.status;
    expect(s1.code).to.equal(status.OUT_OF_RANGE);
    const bad = subscribe(server.ledger, { fromSeq: -1, actions: ['Bad Action'], heartbeatIntervalMs: 5 });
    const s2 = await bad.status;
    expect(s2.code).to.equal(status.INVALID_ARGUMENT);
  });
});
