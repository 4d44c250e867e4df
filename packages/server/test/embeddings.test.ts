import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { RecallMode, type MemoryInput, type RecallRequest } from '@cortex/proto/cortex/v1/memory_service';
import { createOnnxEmbedder } from '../src/embedding/index.js';
import { createLogger } from '../src/observability/logger.js';
import { openDatabase } from '../src/storage/index.js';
import { call, callError, errorDetails, startTestServer, TEST_MODEL, TEST_MODEL_DIR, type TestServer } from './harness.js';

function memory(id: string, content: string, extra: Partial<MemoryInput> = {}): MemoryInput {
  return {
    id, content, agentId: '', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false,
    threadId: '', occurredAt: undefined, embedding: [], ...extra,
  };
}

describe('client vectors and the embedding model of stored vectors', function () {
  let server: TestServer;
  const remember = (namespace: string, memories: MemoryInput[]) =>
    call(server.memory.remember.bind(server.memory), { namespace, memories });
  const ids = async (namespace: string, query: string, extra: Partial<RecallRequest> = {}) =>
    (
      await call(server.memory.recall.bind(server.memory), {
        namespace, query, topK: 3, mode: RecallMode.RECALL_MODE_VECTOR, filter: undefined, minScore: 0, ...extra,
      })
    ).hits.map((h) => h.memory!.id);

  afterEach(async () => {
    await server.stop();
  });

  it("uses a client's vector for its memory instead of embedding the content", async () => {
    server = await startTestServer();
    const logger = createLogger({ level: 'error', silent: true });
    const embedder = await createOnnxEmbedder({ modelDir: TEST_MODEL_DIR, model: TEST_MODEL, logger, workers: 0 });
    const [whales] = await embedder.embed(['Blue whales are the largest animals that ever lived'], 'document');
    await embedder.close();
    // Scaled by 3: the server stores it at unit length.
    await remember('client', [
      memory('opaque', 'record zq-41', { embedding: [...whales!].map((x) => 3 * x) }),
      memory('plain', 'record zq-42'),
      memory('tax', 'Quarterly tax filing is due at the end of April'),
    ]);
    expect((await ids('client', 'biggest creature in the ocean'))[0]).to.equal('opaque');
  });

  it('rejects a vector of the wrong dimension, with a NaN or of zero length, naming the field', async () => {
    server = await startTestServer();
    const good = Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0));
    const error = await callError(server.memory.remember.bind(server.memory), {
      namespace: 'client',
      memories: [
        memory('short', 'a', { embedding: [1, 2, 3] }),
        memory('nan', 'b', { embedding: good.map((x, i) => (i === 3 ? Number.NaN : x)) }),
        memory('zero', 'c', { embedding: good.map(() => 0) }),
        memory('fine', 'd', { embedding: good }),
      ],
    });
    expect(error.code).to.equal(status.INVALID_ARGUMENT);
    const violations = errorDetails(error).fieldViolations;
    expect(violations.map((v) => v.field)).to.deep.equal(['memories[0].embedding', 'memories[1].embedding[3]', 'memories[2].embedding']);
    expect(violations[0]!.description).to.include('384');
    const listed = await call(server.memory.listMemories.bind(server.memory), { namespace: 'client', pageSize: 0, pageToken: '', filter: undefined });
    expect(listed.memories).to.deep.equal([]);
  });

  it('after a change of embedding model searches only the new model’s vectors, keyword still finds all, and maintenance re-embeds the rest', async () => {
    server = await startTestServer();
    const dataDir = server.dataDir;
    await remember('model', [
      memory('whale', 'Blue whales are the largest animals that ever lived', { threadId: 'facts' }),
      memory('tax', 'Quarterly tax filing is due at the end of April', { threadId: 'facts' }),
    ]);
    await server.stop({ keepData: true });
    // As if these vectors came from the model the server ran before.
    const db = openDatabase({ path: `${dataDir}/cortex.db` });
    db.exec("UPDATE memory_chunks SET model = 'retired-model'; UPDATE vector_index_state SET model = 'retired-model'");
    db.close();

    server = await startTestServer({ dataDir });
    expect(await ids('model', 'biggest creature in the ocean')).to.deep.equal([]);
    expect((await ids('model', 'whales', { mode: RecallMode.RECALL_MODE_KEYWORD }))[0]).to.equal('whale');
    const dry = await call(server.memory.runMaintenance.bind(server.memory), { namespace: '', dryRun: true, asOf: undefined });
    expect(dry.reembeddedCount).to.equal(2);
    const run = await call(server.memory.runMaintenance.bind(server.memory), { namespace: '', dryRun: false, asOf: undefined });
    expect(run.reembeddedCount).to.equal(2);
    expect((await ids('model', 'biggest creature in the ocean'))[0]).to.equal('whale');
  });
});
