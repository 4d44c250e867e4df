import { expect } from 'chai';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { RecallMode, RememberOutcome, RememberRequest, type MemoryInput } from '@cortex/proto/cortex/v1/memory_service';
import { Tier } from '@cortex/proto/cortex/v1/memory';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

function input(overrides: Partial<MemoryInput> = {}): MemoryInput {
  return {
    id: '',
    agentId: 'agent-1',
    content: 'The deploy of service api failed because the database migration timed out',
    kind: 'observation',
    tags: [],
    metadata: {},
    importance: undefined,
    expiresAt: undefined,
    pinned: false, threadId: '', occurredAt: undefined, embedding: [],
    ...overrides,
  };
}

describe('MemoryService', function () {
  let server: TestServer;
  const remember = (namespace: string, memories: MemoryInput[]) =>
    call(server.memory.remember.bind(server.memory), { namespace, memories });
  const recall = (namespace: string, query: string, extra: Record<string, unknown> = {}) =>
    call(server.memory.recall.bind(server.memory), {
      namespace,
      query,
      topK: 10,
      mode: RecallMode.RECALL_MODE_KEYWORD,
      filter: undefined,
      minScore: 0,
      ...extra,
    });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  describe('Remember', () => {
    it('stores a batch and returns every memory as created, in request order', async () => {
      const response = await remember('remember-batch', [
        input({ id: 'a', content: 'first' }),
        input({ content: 'second', tags: ['t2', 't1'], metadata: { source: 'chat' }, importance: 0.9 }),
      ]);
      expect(response.results.map((r) => r.outcome)).to.deep.equal([
        RememberOutcome.REMEMBER_OUTCOME_CREATED,
        RememberOutcome.REMEMBER_OUTCOME_CREATED,
      ]);
      const [first, second] = response.results.map((r) => r.memory!);
      expect(first!.id).to.equal('a');
      expect(first!.importance).to.equal(0.5);
      // Written with an agent id: the memory enters that agent's HOT set.
      expect(first!.tier).to.equal(Tier.TIER_HOT);
      expect(first!.version).to.equal(1);
      expect(second!.id).to.match(/^[0-9a-f-]{36}$/);
      expect(second!.tags).to.deep.equal(['t1', 't2']);
      expect(second!.metadata).to.deep.equal({ source: 'chat' });
      expect(second!.importance).to.equal(0.9);
      expect(response.ledgerSeq).to.be.greaterThan(0);
    });

    it('is idempotent for client-supplied ids: a replayed item is unchanged and appends no ledger entry', async () => {
      const item = input({ id: 'idem-1', tags: ['x'] });
      const first = await remember('remember-idem', [item]);
      const replay = await remember('remember-idem', [item]);
      expect(replay.results[0]!.outcome).to.equal(RememberOutcome.REMEMBER_OUTCOME_UNCHANGED);
      expect(replay.results[0]!.memory!.version).to.equal(1);
      expect(replay.ledgerSeq).to.equal(0);
      const list = await call(server.memory.listMemories.bind(server.memory), {
        namespace: 'remember-idem', pageSize: 0, pageToken: '', filter: undefined,
      });
      expect(list.memories).to.have.length(1);
      expect(first.results[0]!.memory!.id).to.equal('idem-1');
    });

    it('updates a memory whose content changed and bumps its version', async () => {
      await remember('remember-update', [input({ id: 'u', content: 'old text' })]);
      const updated = await remember('remember-update', [input({ id: 'u', content: 'new text' })]);
      expect(updated.results[0]!.outcome).to.equal(RememberOutcome.REMEMBER_OUTCOME_UPDATED);
      expect(updated.results[0]!.memory!.version).to.equal(2);
      expect(updated.results[0]!.memory!.content).to.equal('new text');
    });

    it('rejects a batch of 501 items with a field violation on memories', async () => {
      const items = Array.from({ length: 501 }, (_, i) => input({ content: `item ${i}` }));
      const error = await callError(server.memory.remember.bind(server.memory), { namespace: 'big', memories: items });
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(errorDetails(error).fieldViolations.map((v) => v.field)).to.deep.equal(['memories']);
    });

    it('names every invalid field of a batch and writes none of its items', async () => {
      const error = await callError(server.memory.remember.bind(server.memory), {
        namespace: 'half-written',
        memories: [
          input({ id: 'ok-1' }),
          input({ id: 'bad id!', content: '' }),
          input({ id: 'ok-1', importance: 1.5, tags: [''], metadata: { 'bad key': 'v' } }),
        ],
      });
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      const details = errorDetails(error);
      expect(details.reason).to.equal('INVALID_ARGUMENT');
      expect(details.fieldViolations.map((v) => v.field)).to.have.members([
        'memories[1].id',
        'memories[1].content',
        'memories[2].id',
        'memories[2].tags[0]',
        'memories[2].metadata["bad key"]',
        'memories[2].importance',
      ]);
      const list = await call(server.memory.listMemories.bind(server.memory), {
        namespace: 'half-written', pageSize: 0, pageToken: '', filter: undefined,
      });
      expect(list.memories).to.have.length(0);
    });

    it('rejects a namespace outside the allowed charset', async () => {
      const error = await callError(server.memory.remember.bind(server.memory), { namespace: 'has space', memories: [input()] });
      expect(errorDetails(error).fieldViolations[0]!.field).to.equal('namespace');
    });

    it('rejects content over the size limit', async () => {
      const error = await callError(server.memory.remember.bind(server.memory), {
        namespace: 'limits',
        memories: [input({ content: 'x'.repeat(64 * 1024 + 1) })],
      });
      expect(errorDetails(error).fieldViolations[0]).to.deep.include({ field: 'memories[0].content' });
    });

    it('rejects an expiry in the past', async () => {
      const error = await callError(server.memory.remember.bind(server.memory), {
        namespace: 'limits',
        memories: [input({ expiresAt: new Date(Date.now() - 1000) })],
      });
      expect(errorDetails(error).fieldViolations[0]!.field).to.equal('memories[0].expires_at');
    });

    it('rejects content that is not valid UTF-8, naming the field', async () => {
      const marker = 'MARKERMARKER';
      const bytes = Buffer.from(
        RememberRequest.encode({ namespace: 'utf8', memories: [input({ content: marker })] }).finish(),
      );
      const at = bytes.indexOf(marker);
      bytes[at] = 0xff;
      bytes[at + 1] = 0xfe;
      const raw = new Client(server.address, credentials.createInsecure());
      const error = await new Promise<import('@grpc/grpc-js').ServiceError>((resolve, reject) => {
        raw.makeUnaryRequest(
          '/cortex.v1.MemoryService/Remember',
          (b: Buffer) => b,
          (b: Buffer) => b,
          bytes,
          new Metadata(),
          (err) => (err ? resolve(err) : reject(new Error('accepted invalid UTF-8'))),
        );
      });
      raw.close();
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(errorDetails(error).fieldViolations).to.deep.equal([
        { field: 'memories[0].content', description: 'must be valid UTF-8' },
      ]);
    });
  });

  describe('GetMemory', () => {
    it('returns a stored memory and counts the access', async () => {
      await remember('get', [input({ id: 'g1' })]);
      const { memory } = await call(server.memory.getMemory.bind(server.memory), { namespace: 'get', id: 'g1' });
      expect(memory!.id).to.equal('g1');
      expect(memory!.accessCount).to.equal(1);
    });

    it('answers NOT_FOUND for an unknown id, with the id in the error details', async () => {
      const error = await callError(server.memory.getMemory.bind(server.memory), { namespace: 'get', id: 'missing' });
      expect(error.code).to.equal(status.NOT_FOUND);
      expect(errorDetails(error)).to.deep.include({ reason: 'MEMORY_NOT_FOUND', metadata: { namespace: 'get', id: 'missing' } });
    });

    it('requires an id', async () => {
      const error = await callError(server.memory.getMemory.bind(server.memory), { namespace: 'get', id: '' });
      expect(errorDetails(error).fieldViolations[0]!.field).to.equal('id');
    });
  });

  describe('ListMemories', () => {
    const list = (request: { pageSize: number; pageToken: string; filter?: undefined | { tags: string[] } }) =>
      call(server.memory.listMemories.bind(server.memory), {
        namespace: 'paging',
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        filter: request.filter ? { agentId: '', kinds: [], tags: request.filter.tags, tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined } : undefined,
      });

    before(async () => {
      const items = Array.from({ length: 23 }, (_, i) => input({ id: `p-${String(i).padStart(2, '0')}`, content: `memory ${i}`, tags: i % 2 ? ['odd'] : [] }));
      await remember('paging', items.slice(0, 10));
      await remember('paging', items.slice(10));
    });

    it('walks every memory exactly once across pages in a stable order', async () => {
      const seen: string[] = [];
      let token = '';
      let pages = 0;
      do {
        const page = await list({ pageSize: 5, pageToken: token });
        seen.push(...page.memories.map((m) => m.id));
        token = page.nextPageToken;
        pages += 1;
      } while (token !== '');
      expect(pages).to.equal(5);
      expect(seen).to.have.length(23);
      expect(new Set(seen).size).to.equal(23);
      expect(seen.slice(0, 10)).to.deep.equal([...seen.slice(0, 10)].sort());
    });

    it('pages through a filtered listing', async () => {
      const first = await list({ pageSize: 10, pageToken: '', filter: { tags: ['odd'] } });
      const second = await list({ pageSize: 10, pageToken: first.nextPageToken, filter: { tags: ['odd'] } });
      expect(first.memories.length + second.memories.length).to.equal(11);
      expect(second.nextPageToken).to.equal('');
    });

    it('uses the default page size of 50 for 0 and coerces sizes above 1000', async () => {
      expect((await list({ pageSize: 0, pageToken: '' })).memories).to.have.length(23);
      expect((await list({ pageSize: 5000, pageToken: '' })).memories).to.have.length(23);
    });

    it('rejects a negative page size', async () => {
      const error = await callError(server.memory.listMemories.bind(server.memory), { namespace: 'paging', pageSize: -1, pageToken: '', filter: undefined });
      expect(errorDetails(error).fieldViolations[0]!.field).to.equal('page_size');
    });

    it('rejects a page token that was not issued for this request', async () => {
      const first = await list({ pageSize: 5, pageToken: '' });
      const forged = await callError(server.memory.listMemories.bind(server.memory), { namespace: 'paging', pageSize: 5, pageToken: 'garbage', filter: undefined });
      expect(forged.code).to.equal(status.INVALID_ARGUMENT);
      const otherFilter = await callError(server.memory.listMemories.bind(server.memory), {
        namespace: 'paging', pageSize: 5, pageToken: first.nextPageToken,
        filter: { agentId: 'someone', kinds: [], tags: [], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined },
      });
      expect(errorDetails(otherFilter).fieldViolations[0]!.field).to.equal('page_token');
    });
  });

  describe('Forget', () => {
    it('deletes by id, and the memory is gone for Get and Recall', async () => {
      await remember('forget', [input({ id: 'f1', content: 'zebra crossing' }), input({ id: 'f2', content: 'zebra stripes' })]);
      const result = await call(server.memory.forget.bind(server.memory), { namespace: 'forget', ids: ['f1', 'nope'], filter: undefined });
      expect(result.forgottenIds).to.deep.equal(['f1']);
      expect(result.forgottenCount).to.equal(1);
      expect((await callError(server.memory.getMemory.bind(server.memory), { namespace: 'forget', id: 'f1' })).code).to.equal(status.NOT_FOUND);
      const hits = await recall('forget', 'zebra');
      expect(hits.hits.map((h) => h.memory!.id)).to.deep.equal(['f2']);
    });

    it('deletes by filter', async () => {
      await remember('forget-filter', [input({ id: 'k1', kind: 'scratch' }), input({ id: 'k2', kind: 'keep' })]);
      const result = await call(server.memory.forget.bind(server.memory), {
        namespace: 'forget-filter', ids: [],
        filter: { agentId: '', kinds: ['scratch'], tags: [], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined },
      });
      expect(result.forgottenIds).to.deep.equal(['k1']);
    });

    it('refuses to forget without ids or a filter', async () => {
      const error = await callError(server.memory.forget.bind(server.memory), { namespace: 'forget', ids: [], filter: undefined });
      expect(error.code).to.equal(status.INVALID_ARGUMENT);
      expect(errorDetails(error).fieldViolations[0]!.field).to.equal('ids');
    });
  });

  describe('Recall (keyword)', () => {
    before(async () => {
      await remember('recall', [
        input({ id: 'r1', content: 'Postgres connection pool exhausted during the nightly batch', tags: ['db'], agentId: 'ops' }),
        input({ id: 'r2', content: 'User prefers dark mode and short answers', kind: 'preference', agentId: 'assistant' }),
        input({ id: 'r3', content: 'The nightly batch moved to 02:00 UTC', tags: ['schedule'], agentId: 'ops' }),
      ]);
    });

    it('ranks the memory sharing the rarest query terms first and reports the keyword score', async () => {
      const { hits, mode } = await recall('recall', 'connection pool exhausted');
      expect(mode).to.equal(RecallMode.RECALL_MODE_KEYWORD);
      expect(hits[0]!.memory!.id).to.equal('r1');
      expect(hits[0]!.keywordRank).to.equal(1);
      expect(hits[0]!.keywordScore).to.be.greaterThan(0);
    });

    it('applies tag, agent and kind filters', async () => {
      const filter = { agentId: '', kinds: [] as string[], tags: [] as string[], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined };
      const byTag = await recall('recall', 'nightly batch', { filter: { ...filter, tags: ['schedule'] } });
      expect(byTag.hits.map((h) => h.memory!.id)).to.deep.equal(['r3']);
      const byAgent = await recall('recall', 'dark mode nightly', { filter: { ...filter, agentId: 'assistant' } });
      expect(byAgent.hits.map((h) => h.memory!.id)).to.deep.equal(['r2']);
      const byKind = await recall('recall', 'dark mode nightly', { filter: { ...filter, kinds: ['observation'] } });
      expect(byKind.hits.map((h) => h.memory!.id)).to.not.include('r2');
    });

    it('treats query syntax characters as plain text', async () => {
      const { hits } = await recall('recall', 'NEAR(" AND OR * ^batch');
      expect(hits.map((h) => h.memory!.id)).to.include('r3');
    });

    it('rejects an empty query, a query over 10 KiB, top_k out of range and an unknown mode', async () => {
      const base = { namespace: 'recall', query: 'x', topK: 10, mode: RecallMode.RECALL_MODE_KEYWORD, filter: undefined, minScore: 0 };
      const fieldOf = async (request: typeof base) =>
        errorDetails(await callError(server.memory.recall.bind(server.memory), request)).fieldViolations.map((v) => v.field);
      expect(await fieldOf({ ...base, query: '' })).to.deep.equal(['query']);
      expect(await fieldOf({ ...base, query: 'q'.repeat(10 * 1024 + 1) })).to.deep.equal(['query']);
      expect(await fieldOf({ ...base, topK: 101 })).to.deep.equal(['top_k']);
      expect(await fieldOf({ ...base, topK: -1 })).to.deep.equal(['top_k']);
      expect(await fieldOf({ ...base, mode: 42 as unknown as RecallMode })).to.deep.equal(['mode']);
    });
  });
});
