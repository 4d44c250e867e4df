import { expect } from 'chai';
import { after, afterEach, before, describe, it } from 'mocha';
import { Metadata, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { MemoryServiceService } from '@cortex/proto/cortex/v1/memory_service';
import { Code, CortexClient, CortexError, type GetMemoryResponse } from '../src/index.js';
import { AttemptCounter } from './attempts.js';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { freePort, startServer, type CortexProcess } from './server.js';

const memory = (id: string) => ({ id, content: `memory ${id}` });

describe('CortexClient retries', function () {
  describe('against a server that is not up yet', function () {
    let server: CortexProcess | undefined;
    let client: CortexClient | undefined;
    afterEach(async () => {
      client?.close();
      await server?.stop();
      server = undefined;
    });

    it('retries a read on UNAVAILABLE and succeeds once the server is up', async () => {
      const port = await freePort();
      const attempts = new AttemptCounter();
      let starting: Promise<CortexProcess> | undefined;
      attempts.onStatus((_method, code) => {
        if (code === status.UNAVAILABLE) starting ??= startServer({ port });
      });
      client = new CortexClient({
        address: `127.0.0.1:${port}`,
        // The call's deadline, not the attempt count, bounds the wait: a loaded machine starts the server slowly.
        retry: { maxAttempts: 1000, initialBackoffMs: 100, maxBackoffMs: 400 },
        channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 200 },
        interceptors: [attempts.interceptor],
      });
      const page = await client.listMemories({ namespace: 'late' }, { deadlineMs: 60_000 });
      server = await starting;
      expect(page.memories).to.deep.equal([]);
      expect(attempts.count('ListMemories')).to.be.greaterThan(1);
    });
  });

  describe('against a port nothing listens on', function () {
    let client: CortexClient;
    const attempts = new AttemptCounter();
    const unavailable = async (call: Promise<unknown>) => {
      const error = await call.catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
    };

    before(async () => {
      client = new CortexClient({
        address: `127.0.0.1:${await freePort()}`,
        retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 },
        interceptors: [attempts.interceptor],
      });
    });
    after(() => client.close());

    it('tries reads maxAttempts times', async () => {
      await unavailable(client.getMemory({ namespace: 'n', id: 'x' }));
      await unavailable(client.getSnapshot({ namespace: 'n', agentId: 'a' }));
      expect(attempts.count('GetMemory')).to.equal(3);
      expect(attempts.count('GetSnapshot')).to.equal(3);
    });

    it('tries idempotent writes maxAttempts times: Remember with every id, Forget by ids', async () => {
      await unavailable(client.remember({ namespace: 'n', memories: [memory('a'), memory('b')] }));
      await unavailable(client.forget({ namespace: 'n', ids: ['a'] }));
      expect(attempts.count('Remember')).to.equal(3);
      expect(attempts.count('Forget')).to.equal(3);
    });

    it('tries non-idempotent calls once: PutState, Record, RunMaintenance, Remember without ids, Forget by filter', async () => {
      await unavailable(client.putState({ namespace: 'n', agentId: 'a', set: { k: 'v' }, expectedVersion: 3 }));
      await unavailable(client.record({ actor: 'me', action: 'test.event' }));
      await unavailable(client.runMaintenance({}));
      const before = { remember: attempts.count('Remember'), forget: attempts.count('Forget') };
      await unavailable(client.remember({ namespace: 'n', memories: [memory('a'), { content: 'no id' }] }));
      await unavailable(client.forget({ namespace: 'n', filter: { tags: ['old'] } }));
      expect(attempts.count('PutState')).to.equal(1);
      expect(attempts.count('Record')).to.equal(1);
      expect(attempts.count('RunMaintenance')).to.equal(1);
      expect(attempts.count('Remember') - before.remember).to.equal(1);
      expect(attempts.count('Forget') - before.forget).to.equal(1);
    });
  });

  describe('against a server that answers with chosen statuses', function () {
    let fake: FakeServer;
    let client: CortexClient | undefined;
    let attempts: AttemptCounter;
    /** The status each GetMemory/Remember call fails with, in order; once empty, calls succeed. */
    let failures: Array<{ code: status; trailers?: Record<string, string> }>;

    const answer = (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const failure = failures.shift();
      if (!failure) { callback(null, {}); return; }
      const metadata = new Metadata();
      Object.entries(failure.trailers ?? {}).forEach(([k, v]) => metadata.set(k, v));
      callback({ code: failure.code, details: `injected ${status[failure.code]}`, metadata });
    };
    const connect = (retry: ConstructorParameters<typeof CortexClient>[0]['retry']) => {
      client?.close();
      attempts = new AttemptCounter();
      client = new CortexClient({ address: fake.address, retry, interceptors: [attempts.interceptor] });
      return client;
    };

    before(async () => {
      fake = await startFakeServer(MemoryServiceService, {
        getMemory: answer,
        remember: answer,
        listMemories: answer,
      });
    });
    after(async () => {
      client?.close();
      await fake.stop();
    });

    it('waits out retry-after on RESOURCE_EXHAUSTED before the next attempt', async () => {
      failures = [{ code: status.RESOURCE_EXHAUSTED, trailers: { 'retry-after': '0.3' } }];
      const started = Date.now();
      const response: GetMemoryResponse = await connect({ initialBackoffMs: 1, maxBackoffMs: 2000 }).getMemory({ namespace: 'n', id: 'x' });
      expect(response).to.deep.equal({ memory: undefined });
      expect(Date.now() - started).to.be.at.least(300);
      expect(attempts.count('GetMemory')).to.equal(2);
    });

    it('fails at once, exposing retryAfterMs, when retry-after is longer than maxBackoffMs', async () => {
      failures = [{ code: status.RESOURCE_EXHAUSTED, trailers: { 'retry-after': '30' } }];
      const error = await connect({ maxBackoffMs: 1000 }).getMemory({ namespace: 'n', id: 'x' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.RESOURCE_EXHAUSTED, retryAfterMs: 30_000 });
      expect(attempts.count('GetMemory')).to.equal(1);
    });

    it('retries DEADLINE_EXCEEDED for reads only', async () => {
      failures = [{ code: status.DEADLINE_EXCEEDED }];
      await connect({ initialBackoffMs: 1, maxBackoffMs: 5 }).getMemory({ namespace: 'n', id: 'x' });
      expect(attempts.count('GetMemory')).to.equal(2);

      failures = [{ code: status.DEADLINE_EXCEEDED }];
      const error = await client!.remember({ namespace: 'n', memories: [memory('a')] }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.DEADLINE_EXCEEDED });
      expect(attempts.count('Remember')).to.equal(1);
    });

    const neverRetried = [
      status.INVALID_ARGUMENT, status.NOT_FOUND, status.ABORTED, status.INTERNAL, status.UNKNOWN, status.PERMISSION_DENIED,
    ];
    for (const code of neverRetried) {
      it(`never retries ${status[code]}`, async () => {
        failures = [{ code }];
        const error = await connect({ initialBackoffMs: 1, maxBackoffMs: 5 })
          .getMemory({ namespace: 'n', id: 'x' })
          .catch((e: unknown) => e);
        expect(error).to.be.instanceOf(CortexError).and.to.include({ code });
        expect(attempts.count('GetMemory')).to.equal(1);
      });
    }

    it('starts no retry that would end past the deadline', async () => {
      failures = Array<{ code: status }>(1000).fill({ code: status.UNAVAILABLE });
      const started = Date.now();
      const error = await connect({ maxAttempts: 1000, initialBackoffMs: 100, maxBackoffMs: 100 })
        .getMemory({ namespace: 'n', id: 'x' }, { deadlineMs: 500 })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CortexError);
      // The last attempt may itself run into the deadline.
      expect((error as CortexError).code).to.be.oneOf([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);
      // Without the deadline check this would take 1000 attempts and about 50 s.
      expect(Date.now() - started).to.be.below(2000);
      expect(attempts.count('GetMemory')).to.be.within(2, 200);
    });

    it('stops waiting and rejects with CANCELLED when the signal aborts during a backoff', async () => {
      failures = [{ code: status.RESOURCE_EXHAUSTED, trailers: { 'retry-after': '5' } }];
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = await connect({ maxBackoffMs: 10_000 })
        .getMemory({ namespace: 'n', id: 'x' }, { signal: controller.signal, correlationId: 'abort-1' })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.CANCELLED, correlationId: 'abort-1' });
      expect(Date.now() - started).to.be.below(3000);
    });
  });
});
