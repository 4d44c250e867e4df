import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { Metadata, status, type ServerWritableStream } from '@grpc/grpc-js';
import { LedgerServiceService } from '@cortex/proto/cortex/v1/ledger_service';
import { ErrorInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';
import { Code, CortexClient, CortexError, type SubscribeRequest, type SubscribeResponse } from '../src/index.js';
import { startFakeServer, type FakeServer } from './fake-server.js';

type Stream = ServerWritableStream<SubscribeRequest, SubscribeResponse>;

const commit = (seq: number): SubscribeResponse => ({
  commit: { txId: seq, continued: false, entries: [] },
  progress: undefined,
});

describe('CortexClient.subscribe', function () {
  let fake: FakeServer;
  let client: CortexClient;
  /** What the fake server saw of the latest stream, and how that stream ended. */
  let seen: { request?: SubscribeRequest; metadata?: Metadata; outcome: Promise<'cancelled by the client' | 'ended by the server'> };
  let behaviour: (stream: Stream) => void;

  before(async () => {
    fake = await startFakeServer(LedgerServiceService, {
      subscribe: (stream: Stream) => {
        seen = {
          request: stream.request,
          metadata: stream.metadata,
          outcome: new Promise((resolve) => {
            stream.once('cancelled', () => resolve('cancelled by the client'));
            stream.once('finish', () => resolve('ended by the server'));
          }),
        };
        behaviour(stream);
      },
    });
    client = new CortexClient({ address: fake.address, apiKey: 'sub-key-0123456789' });
  });
  after(async () => {
    client.close();
    await fake.stop();
  });

  /**
   * Sends seq 1, 2, 3, ... every 10 ms, and after 100 ends the stream itself: a client that does
   * not cancel sees the stream end instead, so a test can tell the two apart without a timeout.
   */
  const long = (stream: Stream) => {
    let seq = 0;
    const timer = setInterval(() => {
      if (seq === 100) stream.end();
      else stream.write(commit(++seq));
    }, 10);
    stream.once('cancelled', () => clearInterval(timer));
    stream.once('finish', () => clearInterval(timer));
  };

  it('yields messages in order, sending the request, API key and correlation id', async () => {
    behaviour = (stream) => {
      [1, 2, 3].forEach((seq) => stream.write(commit(seq)));
      stream.end();
    };
    const received: number[] = [];
    for await (const message of client.subscribe({ fromSeq: 7, namespace: 'ns' }, { correlationId: 'sub-1' })) {
      received.push(message.commit?.txId ?? 0);
    }
    expect(received).to.deep.equal([1, 2, 3]);
    expect(seen.request).to.deep.include({ fromSeq: 7, namespace: 'ns' });
    expect(seen.metadata?.get('authorization')).to.deep.equal(['Bearer sub-key-0123456789']);
    expect(seen.metadata?.get('x-correlation-id')).to.deep.equal(['sub-1']);
  });

  it('ends the iteration and cancels the call when the signal aborts', async () => {
    behaviour = long;
    const controller = new AbortController();
    const received: number[] = [];
    for await (const message of client.subscribe({}, { signal: controller.signal })) {
      received.push(message.commit?.txId ?? 0);
      if (received.length === 3) controller.abort();
    }
    expect(received.slice(0, 3)).to.deep.equal([1, 2, 3]);
    expect(await seen.outcome).to.equal('cancelled by the client');
  });

  it('cancels the call when the loop breaks', async () => {
    behaviour = long;
    const received: number[] = [];
    for await (const message of client.subscribe({})) {
      received.push(message.commit?.txId ?? 0);
      if (received.length === 2) break;
    }
    expect(received).to.deep.equal([1, 2]);
    expect(await seen.outcome).to.equal('cancelled by the client');
  });

  it('opens nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const received = [];
    for await (const message of client.subscribe({}, { signal: controller.signal })) received.push(message);
    expect(received).to.deep.equal([]);
  });

  it('throws the stream failure as a CortexError with its details', async () => {
    behaviour = (stream) => {
      stream.write(commit(1));
      const metadata = new Metadata();
      const info = ErrorInfo.encode({ reason: 'ENTRIES_ARCHIVED', domain: 'cortex.dev', metadata: { oldestSeq: '100' } }).finish();
      metadata.set(
        'grpc-status-details-bin',
        Buffer.from(
          Status.encode({
            code: status.OUT_OF_RANGE,
            message: 'archived',
            details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }],
          }).finish(),
        ),
      );
      stream.emit('error', { code: status.OUT_OF_RANGE, details: 'archived', metadata });
    };
    const received: number[] = [];
    const error = await (async () => {
      for await (const message of client.subscribe({ fromSeq: 1 })) received.push(message.commit?.txId ?? 0);
    })().catch((e: unknown) => e);
    expect(received).to.deep.equal([1]);
    expect(error).to.be.instanceOf(CortexError);
    expect(error).to.deep.include({ code: Code.OUT_OF_RANGE, reason: 'ENTRIES_ARCHIVED', metadata: { oldestSeq: '100' } });
  });
});
