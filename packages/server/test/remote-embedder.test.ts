import { expect } from 'chai';
import { status as grpcStatus } from '@grpc/grpc-js';
import { RecallMode, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { FakeEmbeddings, ok, status } from '../src/embedding/openai-test-helpers.js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const memory = (content: string): MemoryInput => ({
  id: '',
  agentId: 'agent-1',
  content,
  kind: 'observation',
  tags: [],
  metadata: {},
  importance: undefined,
  expiresAt: undefined,
  pinned: false,
  threadId: '',
  occurredAt: undefined,
  embedding: [],
});

describe('a server with a remote embedder (CORTEX_EMBEDDER=openai)', () => {
  let fake: FakeEmbeddings;
  let server: TestServer;

  before(async () => {
    fake = new FakeEmbeddings();
    const url = await fake.start();
    server = await startTestServer({
      env: {
        CORTEX_EMBEDDER: 'openai',
        CORTEX_EMBEDDER_URL: url,
        CORTEX_EMBEDDER_MODEL: 'text-embedding-test',
        CORTEX_EMBEDDER_DIMENSIONS: '4',
        CORTEX_EMBEDDER_TIMEOUT_MS: '500',
      },
    });
  });
  after(async () => {
    await server.stop();
    await fake.stop();
  });

  const list = (namespace: string) => call(server.memory.listMemories.bind(server.memory), { namespace, pageSize: 0, pageToken: '', filter: undefined });

  it('answers Remember with UNAVAILABLE and the reason when the embedder fails, and writes nothing', async () => {
    fake.answer(status(500));
    const error = await callError(server.memory.remember.bind(server.memory), {
      namespace: 'remote-down',
      memories: [memory('first of a batch'), memory('second of a batch'), memory('third of a batch')],
    });
    expect(error.code).to.equal(grpcStatus.UNAVAILABLE);
    expect(errorDetails(error).reason).to.equal('EMBEDDER_HTTP_ERROR');
    expect((await list('remote-down')).memories).to.deep.equal([]);
  });

  it('remembers and recalls by meaning through the remote embedder once it answers', async () => {
    fake.answer(ok);
    await call(server.memory.remember.bind(server.memory), { namespace: 'remote-up', memories: [memory('the remote embedder is back')] });
    const hits = await call(server.memory.recall.bind(server.memory), {
      namespace: 'remote-up',
      query: 'is the embedder back?',
      topK: 5,
      mode: RecallMode.RECALL_MODE_VECTOR,
      filter: undefined,
      minScore: 0,
    });
    expect(hits.hits.map((h) => h.memory?.content)).to.deep.equal(['the remote embedder is back']);
    expect(fake.received.at(-1)?.body.model).to.equal('text-embedding-test');
  });
});
