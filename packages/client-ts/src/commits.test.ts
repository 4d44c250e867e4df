import { expect } from 'chai';
import { describe, it } from 'mocha';
import { SubscribeRequest, type Commit, type SubscribeResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { Code } from '@cortex/proto/google/rpc/code';
import { CommitStream } from './commits.js';
import { CortexError } from './errors.js';
import { retryPolicy } from './retry.js';

/** A transaction of entries `seqs`, optionally one part of several. */
const commit = (txId: number, seqs: number[], continued = false): SubscribeResponse => ({
  commit: { txId, continued, entries: seqs.map((seq) => ({ seq, txId }) as Commit['entries'][number]) },
  progress: undefined,
});
const progress = (headSeq: number): SubscribeResponse => ({ commit: undefined, progress: { headSeq } });
const failure = (code: Code, retryAfterMs?: number) => new CortexError(code, `injected ${Code[code]}`, { retryAfterMs });

/**
 * A stream opener that plays one script per connection: the messages it sends, then the error it
 * fails with (or none: the server ends the stream). Records the fromSeq of every connection.
 */
function scripted(connections: Array<{ send: SubscribeResponse[]; fail?: CortexError }>) {
  const fromSeqs: number[] = [];
  const open = (request: SubscribeRequest): AsyncIterable<SubscribeResponse> => {
    fromSeqs.push(request.fromSeq);
    const script = connections.shift() ?? { send: [] };
    return (async function* () {
      yield* script.send;
      if (script.fail) throw script.fail;
    })();
  };
  return { open, fromSeqs };
}

const fastPolicy = retryPolicy({ initialBackoffMs: 1, maxBackoffMs: 2 });

async function drain(stream: CommitStream): Promise<Array<{ txId: number; seqs: number[] }>> {
  const received = [];
  for await (const c of stream) received.push({ txId: c.txId, seqs: c.entries.map((e) => e.seq) });
  return received;
}

describe('CommitStream (subscribeCommits)', () => {
  it('joins the parts of a transaction and yields it once, whole', async () => {
    const { open } = scripted([{ send: [commit(7, [1, 2], true), commit(7, [3], true), commit(7, [4]), commit(8, [5])] }]);
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({ fromSeq: 1 }), open, policy: fastPolicy });
    expect(await drain(stream)).to.deep.equal([
      { txId: 7, seqs: [1, 2, 3, 4] },
      { txId: 8, seqs: [5] },
    ]);
    expect(stream.nextSeq).to.equal(6);
  });

  it('resumes after the last complete transaction when the stream breaks, dropping a partial one', async () => {
    const { open, fromSeqs } = scripted([
      { send: [commit(1, [1]), commit(2, [2, 3], true)], fail: failure(Code.UNAVAILABLE) },
      { send: [commit(2, [2, 3]), commit(3, [4])], fail: failure(Code.RESOURCE_EXHAUSTED) },
      { send: [commit(4, [5])] },
    ]);
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({ fromSeq: 1, namespace: 'n' }), open, policy: fastPolicy });
    expect(await drain(stream)).to.deep.equal([
      { txId: 1, seqs: [1] },
      { txId: 2, seqs: [2, 3] },
      { txId: 3, seqs: [4] },
      { txId: 4, seqs: [5] },
    ]);
    expect(fromSeqs).to.deep.equal([1, 2, 5]);
  });

  it('moves the resume point on progress between transactions, not in the middle of one', async () => {
    const { open, fromSeqs } = scripted([
      { send: [commit(1, [3]), progress(10)], fail: failure(Code.UNAVAILABLE) },
      { send: [commit(2, [11, 12], true), progress(20)], fail: failure(Code.UNAVAILABLE) },
      { send: [] },
    ]);
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({}), open, policy: fastPolicy });
    await drain(stream);
    expect(fromSeqs).to.deep.equal([0, 11, 11]);
  });

  it('throws an error reconnecting cannot fix, without reconnecting', async () => {
    const { open, fromSeqs } = scripted([{ send: [commit(1, [1])], fail: failure(Code.OUT_OF_RANGE) }]);
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({ fromSeq: 1 }), open, policy: fastPolicy });
    const received: number[] = [];
    const error = await (async () => {
      for await (const c of stream) received.push(c.txId);
    })().catch((e: unknown) => e);
    expect(received).to.deep.equal([1]);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.OUT_OF_RANGE });
    expect(fromSeqs).to.deep.equal([1]);
  });

  it('gives up after maxReconnects failures in a row, counting afresh once a message arrives', async () => {
    const down = { send: [], fail: failure(Code.UNAVAILABLE) };
    const { open, fromSeqs } = scripted([down, { send: [commit(1, [1])], fail: failure(Code.UNAVAILABLE) }, down, down, down]);
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({ fromSeq: 1 }), open, policy: fastPolicy, maxReconnects: 2 });
    const error = await drain(stream).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
    expect(fromSeqs).to.deep.equal([1, 1, 2, 2]); // after the message: two reconnects, then the third failure is thrown
  });

  it('ends quietly when the signal aborts during a backoff', async () => {
    const { open, fromSeqs } = scripted([{ send: [], fail: failure(Code.RESOURCE_EXHAUSTED, 60_000) }]);
    const controller = new AbortController();
    const stream = new CommitStream({ request: SubscribeRequest.fromPartial({}), open, policy: fastPolicy, signal: controller.signal });
    const done = drain(stream);
    setImmediate(() => controller.abort());
    expect(await done).to.deep.equal([]);
    expect(fromSeqs).to.deep.equal([0]);
  });

  it('rejects a negative or fractional maxReconnects', () => {
    const { open } = scripted([]);
    const request = SubscribeRequest.fromPartial({});
    expect(() => new CommitStream({ request, open, policy: fastPolicy, maxReconnects: -1 })).to.throw(RangeError);
    expect(() => new CommitStream({ request, open, policy: fastPolicy, maxReconnects: 0.5 })).to.throw(RangeError);
  });
});
