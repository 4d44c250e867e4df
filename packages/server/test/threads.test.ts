import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { RecallMode, type MemoryInput, type RecallRequest } from '@cortex/proto/cortex/v1/memory_service';
import type { MemoryFilter } from '@cortex/proto/cortex/v1/memory';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 4, 8, 13, 56);

function turn(id: string, content: string, extra: Partial<MemoryInput> = {}): MemoryInput {
  return {
    id, content, agentId: '', kind: 'turn', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false,
    threadId: 'session-1', occurredAt: new Date(T0), embedding: [], ...extra,
  };
}

function filter(overrides: Partial<MemoryFilter>): MemoryFilter {
  return {
    agentId: '', kinds: [], tags: [], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {},
    threadIds: [], occurredAfter: undefined, occurredBefore: undefined, ...overrides,
  };
}

describe('threads and event time', function () {
  let server: TestServer;
  const remember = (namespace: string, memories: MemoryInput[]) =>
    call(server.memory.remember.bind(server.memory), { namespace, memories });
  const recall = (namespace: string, query: string, extra: Partial<RecallRequest> = {}) =>
    call(server.memory.recall.bind(server.memory), {
      namespace, query, topK: 10, mode: RecallMode.RECALL_MODE_KEYWORD, filter: undefined, minScore: 0, ...extra,
    });
  const keywordIds = async (namespace: string, query: string, extra: Partial<RecallRequest> = {}) =>
    (await recall(namespace, query, extra)).hits.map((h) => h.memory!.id);
  const maintain = () => call(server.memory.runMaintenance.bind(server.memory), { namespace: '', dryRun: false, asOf: undefined });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('stores thread_id and occurred_at and returns them on every read', async () => {
    const { results } = await remember('fields', [turn('a', 'We moved to Lisbon in spring', { occurredAt: new Date(T0 - 3 * DAY) })]);
    expect(results[0]!.memory).to.deep.include({ threadId: 'session-1', occurredAt: new Date(T0 - 3 * DAY) });
    const { memory } = await call(server.memory.getMemory.bind(server.memory), { namespace: 'fields', id: 'a' });
    expect(memory).to.deep.include({ threadId: 'session-1', occurredAt: new Date(T0 - 3 * DAY) });
    const { results: again } = await remember('fields', [turn('a', 'We moved to Lisbon in spring', { occurredAt: new Date(T0 - 3 * DAY) })]);
    expect(again[0]!.outcome).to.equal(3); // UNCHANGED
  });

  it('filters Recall, ListMemories and Forget by thread and by when the event occurred', async () => {
    const ns = 'filters';
    await remember(ns, [
      turn('early', 'The garden party had lemonade', { threadId: 'party', occurredAt: new Date(T0 - 10 * DAY) }),
      turn('late', 'The garden party had cake', { threadId: 'party', occurredAt: new Date(T0) }),
      turn('other', 'The garden center sells lemonade', { threadId: 'shop', occurredAt: new Date(T0) }),
      turn('none', 'A garden without a thread', { threadId: '', occurredAt: undefined }),
    ]);
    expect(await keywordIds(ns, 'garden', { filter: filter({ threadIds: ['party'] }) })).to.have.members(['early', 'late']);
    expect(await keywordIds(ns, 'garden', { filter: filter({ threadIds: [''] }) })).to.deep.equal(['none']);
    expect(await keywordIds(ns, 'garden', { filter: filter({ occurredAfter: new Date(T0 - DAY) }) })).to.have.members(['late', 'other']);
    expect(await keywordIds(ns, 'garden', { filter: filter({ occurredBefore: new Date(T0 - DAY) }), mode: RecallMode.RECALL_MODE_HYBRID })).to.deep.equal(['early']);
    const listed = await call(server.memory.listMemories.bind(server.memory), { namespace: ns, pageSize: 0, pageToken: '', filter: filter({ threadIds: ['shop'] }) });
    expect(listed.memories.map((m) => m.id)).to.deep.equal(['other']);
    const forgotten = await call(server.memory.forget.bind(server.memory), { namespace: ns, ids: [], filter: filter({ threadIds: ['party'], occurredAfter: new Date(T0 - DAY) }) });
    expect(forgotten.forgottenIds).to.deep.equal(['late']);
  });

  it('rejects a bad thread id or an empty time range, naming the field', async () => {
    const bad = await callError(server.memory.remember.bind(server.memory), { namespace: 'bad', memories: [turn('x', 'text', { threadId: 'no spaces' })] });
    expect(bad.code).to.equal(status.INVALID_ARGUMENT);
    expect(errorDetails(bad).fieldViolations.map((v) => v.field)).to.deep.equal(['memories[0].thread_id']);
    const range = await callError(server.memory.recall.bind(server.memory), {
      namespace: 'bad', query: 'x', topK: 1, mode: RecallMode.RECALL_MODE_KEYWORD, minScore: 0,
      filter: filter({ occurredAfter: new Date(T0), occurredBefore: new Date(T0 - DAY), threadIds: ['ok', 'not ok'] }),
    });
    expect(errorDetails(range).fieldViolations.map((v) => v.field)).to.deep.equal(['filter.thread_ids[1]', 'filter.occurred_before']);
  });

  it('finds a turn by the words of its neighbours and by its date, and returns the turn itself', async () => {
    const ns = 'context';
    await remember(ns, [
      turn('q', 'Did you adopt the greyhound from the shelter?'),
      turn('a', 'Yes, last Friday! She sleeps all day.'),
      turn('other', 'I bought new running shoes.', { threadId: 'session-2', occurredAt: new Date(T0 + 40 * DAY) }),
    ]);
    const { hits } = await recall(ns, 'greyhound adopted');
    expect(hits.map((h) => h.memory!.id).slice(0, 2)).to.deep.equal(['q', 'a']);
    expect(hits[1]!.memory!.content).to.equal('Yes, last Friday! She sleeps all day.');
    expect((await keywordIds(ns, 'what happened in June 2023'))[0]).to.equal('other');
  });

  it("keeps neighbours' context exact across updates and forgets, and re-embeds their windows", async () => {
    const ns = 'context-changes';
    await remember(ns, [turn('q', 'Did you adopt the greyhound from the shelter?'), turn('a', 'Yes, last Friday!'), turn('b', 'Great news.')]);
    expect(await keywordIds(ns, 'greyhound')).to.include('a');

    await remember(ns, [turn('q', 'Did you paint the garden fence?')]);
    expect(await keywordIds(ns, 'greyhound')).to.deep.equal([]);
    expect(await keywordIds(ns, 'fence')).to.have.members(['q', 'a', 'b']);

    // Moving a memory to another thread takes it out of its old neighbours' context too.
    await remember(ns, [turn('q', 'Did you paint the garden fence?', { threadId: 'session-9' })]);
    expect(await keywordIds(ns, 'fence')).to.deep.equal(['q']);

    await remember(ns, [turn('q', 'Did you paint the garden fence?')]);
    await call(server.memory.forget.bind(server.memory), { namespace: ns, ids: ['q'], filter: undefined });
    expect(await keywordIds(ns, 'fence')).to.deep.equal([]);
    // Their window vectors lost the forgotten text at once; maintenance makes new ones.
    expect((await maintain()).reembeddedCount).to.be.greaterThan(0);
    expect((await maintain()).reembeddedCount).to.equal(0);
  });

  it('orders a thread by occurred_at, so a late-written earlier turn becomes its neighbours’ context', async () => {
    const ns = 'order';
    await remember(ns, [turn('first', 'Hello there.', { occurredAt: new Date(T0) }), turn('third', 'Sure, see you then.', { occurredAt: new Date(T0 + 2000) })]);
    await remember(ns, [turn('second', 'Shall we meet at the observatory on Saturday?', { occurredAt: new Date(T0 + 1000) })]);
    expect(await keywordIds(ns, 'observatory')).to.have.members(['second', 'first', 'third']);
  });
});
