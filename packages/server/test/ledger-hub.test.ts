import { expect } from 'chai';
import type { CortexError } from '../src/errors.js';
import { createSubscriptionHub, type Sink, type StreamMessage, type SubscribeOptions, type SubscriptionHub } from '../src/ledger/subscribe/index.js';
import { openTestLedger, type TestLedger } from '../src/ledger/test-helpers.js';
import { range, sleep } from './ledger-helpers.js';

/** A transport stand-in: accepts `capacity` messages, then wants a drain the test controls. */
class FakeSink implements Sink {
  readonly messages: StreamMessage[] = [];
  ended: 'ok' | CortexError | undefined;
  private pending = 0;
  private drains: Array<() => void> = [];
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}
  write(message: StreamMessage): boolean {
    this.messages.push(message);
    this.pending += 1;
    return this.pending < this.capacity;
  }
  onDrain(callback: () => void): void {
    this.drains.push(callback);
  }
  end(): void {
    this.ended = 'ok';
  }
  fail(error: CortexError): void {
    this.ended = error;
  }
  drain(): void {
    this.pending = 0;
    const callbacks = this.drains;
    this.drains = [];
    for (const callback of callbacks) callback();
  }
  seqs(): number[] {
    return this.messages.flatMap((m) => (m.kind === 'commit' ? m.entries.map((e) => e.seq) : []));
  }
  commits() {
    return this.messages.flatMap((m) => (m.kind === 'commit' ? [m] : []));
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(2);
}

describe('ledger subscription hub', () => {
  let t: TestLedger;
  let hub: SubscriptionHub;
  const options = (partial: Partial<SubscribeOptions> = {}): SubscribeOptions => ({
    fromSeq: 1,
    toSeq: 0,
    filter: {},
    includeArchived: false,
    heartbeatMs: 60_000,
    ...partial,
  });

  beforeEach(() => {
    t = openTestLedger();
    hub = createSubscriptionHub({
      ledger: t.ledger,
      source: {
        head: () => t.ledger.head().seq,
        oldestLiveSeq: () => t.ledger.oldestLiveSeq(),
        entries: (from, to, limit) => t.ledger.entries(from, to, limit),
        archivedSegments: () => t.segments.archived(),
        archive: t.archive,
      },
      limits: { maxQueuedEntries: 100, maxQueuedBytes: 1024 * 1024, pageSize: 64 },
      reportError: (error) => {
        throw error;
      },
    });
  });
  afterEach(async () => {
    await hub.close(100);
    t.close();
  });

  it('cuts off a subscriber that stops reading, with its buffer bounded, without slowing the writer or the others', async () => {
    const stalled = new FakeSink(4);
    const fast = new FakeSink();
    hub.subscribe(options(), stalled);
    hub.subscribe(options(), fast);
    await until(() => fast.messages.some((m) => m.kind === 'progress'));
    // The writer appends synchronously, a few transactions per turn of the event loop as RPCs
    // would; nothing here waits for any subscriber.
    for (let i = 0; i < 500; i += 1) {
      t.append((i % 3) + 1);
      if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    const head = t.ledger.head().seq;
    await until(() => fast.seqs().at(-1) === head);
    expect(fast.seqs()).to.deep.equal(range(1, head));
    expect(stalled.ended).to.have.property('kind', 'RESOURCE_EXHAUSTED');
    expect(stalled.ended).to.have.property('reason', 'SUBSCRIBER_TOO_SLOW');
    const stats = hub.stats();
    expect(stats.cutOffs).to.equal(1);
    expect(stats.peakBufferedEntries).to.be.at.most(100);
    expect(stalled.messages.length).to.be.at.most(4);
  });

  it('splits a transaction too big for one message into flagged parts, from storage and from the live tail', async () => {
    const live = new FakeSink();
    hub.subscribe(options(), live);
    await until(() => live.messages.length > 0);
    t.append(1, 1200, 1);
    await until(() => live.seqs().at(-1) === 1202);
    const shape = (sink: FakeSink) => sink.commits().map((c) => [c.txId, c.entries.length, c.continued]);
    expect(shape(live)).to.deep.equal([
      [1, 1, false],
      [2, 1000, true],
      [2, 200, false],
      [1202, 1, false],
    ]);
    const replay = new FakeSink();
    hub.subscribe(options({ toSeq: 1202 }), replay);
    await until(() => replay.ended !== undefined);
    expect(shape(replay)).to.deep.equal(shape(live));
    expect(replay.ended).to.equal('ok');
  });

  it('closes a transaction whose earlier parts were sent even when nothing in the rest passes the filter', async () => {
    // 1,100 entries alternate between namespaces odd/even; the last 100 are in one namespace only.
    t.transact((tx) =>
      t.ledger.append(tx, [
        ...range(1, 1000).map((i) => ({ namespace: i % 2 ? 'odd' : 'even', actor: 'a', action: 'x', subject: `${i}` })),
        ...range(1, 100).map((i) => ({ namespace: 'even', actor: 'a', action: 'x', subject: `tail-${i}` })),
      ]),
    );
    const sink = new FakeSink();
    hub.subscribe(options({ filter: { namespace: 'odd' }, toSeq: 1100 }), sink);
    await until(() => sink.ended !== undefined);
    const commits = sink.commits();
    expect(commits.at(-1)).to.deep.include({ txId: 1, continued: false });
    expect(commits.slice(0, -1).every((c) => c.continued)).to.equal(true);
    expect(sink.seqs()).to.deep.equal(range(1, 1000).filter((i) => i % 2 === 1));
  });

  it('reads one live transaction bigger than the bound from storage instead of cutting off a reader that keeps up', async () => {
    const sink = new FakeSink();
    hub.subscribe(options(), sink);
    await until(() => sink.messages.length > 0);
    t.append(150);
    await until(() => sink.seqs().at(-1) === 150);
    expect(sink.ended).to.equal(undefined);
    expect(sink.seqs()).to.deep.equal(range(1, 150));
  });

  it('packs each commit once per distinct filter: subscribers with equal filters get the same message objects', async () => {
    const sinks = {
      all: [new FakeSink(), new FakeSink()],
      odd: [new FakeSink(), new FakeSink()],
      even: [new FakeSink()],
    };
    for (const sink of sinks.all) hub.subscribe(options(), sink);
    for (const sink of sinks.odd) hub.subscribe(options({ filter: { namespace: 'odd', actions: new Set(['memory.created', 'memory.forgotten']) } }), sink);
    for (const sink of sinks.even) hub.subscribe(options({ filter: { namespace: 'even' } }), sink);
    const everyone = Object.values(sinks).flat();
    await until(() => everyone.every((sink) => sink.messages.length > 0));
    t.append(3, 1, 2);
    await until(() => everyone.every((sink) => sink.seqs().length > 0 && sink.seqs().at(-1)! >= 5));
    const commits = (sink: FakeSink) => sink.commits();
    expect(commits(sinks.all[0]!)).to.have.length(3);
    commits(sinks.all[0]!).forEach((message, i) => expect(commits(sinks.all[1]!)[i]).to.equal(message));
    commits(sinks.odd[0]!).forEach((message, i) => expect(commits(sinks.odd[1]!)[i]).to.equal(message));
    expect(sinks.odd[0]!.seqs()).to.deep.equal([1, 3, 5]);
    expect(sinks.even[0]!.seqs()).to.deep.equal([2, 4, 6]);
    expect(commits(sinks.even[0]!)[0]).to.not.equal(commits(sinks.all[0]!)[0]);
  });

  it('sends the newest signed head on reaching the live tail, then each new head after the commits it covers', async () => {
    const early = new FakeSink();
    const late = new FakeSink();
    const heads = (sink: FakeSink) => sink.messages.flatMap((m) => (m.kind === 'head' ? [m.head.treeSize] : []));
    t.append(2, 3);
    hub.offerHead(t.transact(() => t.signing.sign(5, t.ledger.head().hash)));
    hub.subscribe(options(), early);
    hub.subscribe(options({ fromSeq: 6 }), late);
    await until(() => heads(early).length === 1 && heads(late).length === 1);
    expect(early.messages.map((m) => m.kind)).to.deep.equal(['commit', 'commit', 'progress', 'head']);
    t.append(1, 4);
    hub.offerHead(t.transact(() => t.signing.sign(10, t.ledger.head().hash)));
    await until(() => heads(early).length === 2 && heads(late).length === 2);
    expect(early.messages.slice(-3).map((m) => m.kind)).to.deep.equal(['commit', 'commit', 'head']);
    expect(late.seqs()).to.deep.equal([6, 7, 8, 9, 10]);
    expect(heads(early)).to.deep.equal([5, 10]);
    expect(heads(late)).to.deep.equal([5, 10]);
  });

  it('flushes what is buffered on shutdown, then ends with UNAVAILABLE', async () => {
    const slow = new FakeSink(2);
    hub.subscribe(options(), slow);
    await until(() => slow.messages.length > 0);
    slow.drain();
    t.append(1, 1, 1, 1, 1);
    const closing = hub.close(10_000);
    while (slow.ended === undefined) {
      slow.drain();
      await sleep(1);
    }
    await closing;
    expect(slow.seqs()).to.deep.equal([1, 2, 3, 4, 5]);
    expect(slow.ended).to.have.property('kind', 'UNAVAILABLE');
  });

  it('stops waiting for a client that never reads once the flush timeout passes', async () => {
    const stalled = new FakeSink(1);
    hub.subscribe(options(), stalled);
    await until(() => stalled.messages.length > 0);
    t.append(1, 1);
    await hub.close(20);
    expect(stalled.ended).to.have.property('kind', 'UNAVAILABLE');
  });
});
