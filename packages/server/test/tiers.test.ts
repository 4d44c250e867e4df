import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { RecallMode, type MemoryInput, type RecallRequest, type RunMaintenanceRequest } from '@cortex/proto/cortex/v1/memory_service';
import { Tier, type MemoryFilter } from '@cortex/proto/cortex/v1/memory';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const TIER_ENV = { CORTEX_HOT_PER_AGENT: '3', CORTEX_MAINTENANCE_INTERVAL_MS: '0' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function memory(id: string, content: string, extra: Partial<MemoryInput> = {}): MemoryInput {
  return { id, agentId: '', content, kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [], ...extra };
}

function filter(overrides: Partial<MemoryFilter>): MemoryFilter {
  return { agentId: '', kinds: [], tags: [], tiers: [], createdAfter: undefined, createdBefore: undefined, metadata: {}, threadIds: [], occurredAfter: undefined, occurredBefore: undefined, ...overrides };
}

interface Entry {
  action: string;
  subject: string;
  actor: string;
  payload: Record<string, unknown>;
}

describe('memory tiers', function () {
  let server: TestServer;
  let now = Date.UTC(2025, 5, 1);
  let ledgerDb: Database.Database;

  const remember = (namespace: string, memories: MemoryInput[]) =>
    call(server.memory.remember.bind(server.memory), { namespace, memories });
  const get = (namespace: string, id: string) => call(server.memory.getMemory.bind(server.memory), { namespace, id });
  const recall = (request: Partial<RecallRequest> & { namespace: string; query: string }) =>
    call(server.memory.recall.bind(server.memory), {
      topK: 5,
      mode: RecallMode.RECALL_MODE_HYBRID,
      filter: undefined,
      minScore: 0,
      ...request,
    });
  const maintain = (request: Partial<RunMaintenanceRequest> & { namespace: string }) =>
    call(server.memory.runMaintenance.bind(server.memory), { dryRun: false, asOf: undefined, ...request });
  const snapshot = (namespace: string, agentId: string) =>
    call(server.agent.getSnapshot.bind(server.agent), { namespace, agentId, hotLimit: 0 });
  const tierOf = async (namespace: string, id: string) => (await call(server.memory.listMemories.bind(server.memory), {
    namespace, pageSize: 1000, pageToken: '', filter: undefined,
  })).memories.find((m) => m.id === id)?.tier;
  /** Ledger entries of a namespace (read straight from the database), oldest first. */
  const entries = (namespace: string, actions?: string[]): Entry[] =>
    (ledgerDb.prepare('SELECT action, subject, actor, payload FROM ledger WHERE namespace = ? ORDER BY seq').all(namespace) as Array<Omit<Entry, 'payload'> & { payload: string }>)
      .filter((e) => actions === undefined || actions.includes(e.action))
      .map((e) => ({ ...e, payload: JSON.parse(e.payload) as Record<string, unknown> }));

  before(async () => {
    server = await startTestServer({
      clock: () => now,
      env: TIER_ENV,
    });
    ledgerDb = new Database(join(server.dataDir, 'cortex.db'), { readonly: true });
  });
  after(async () => {
    ledgerDb.close();
    await server.stop();
  });

  it('moves memories between tiers under the retention policy as the clock advances, each move a ledger event', async () => {
    const ns = 'policy';
    await remember(ns, [
      memory('note', 'The build server needs a restart every Monday', { agentId: 'ops' }),
      memory('trivia', 'The office plant was watered on Tuesday', { importance: 0.1 }),
      memory('core', 'Production database credentials rotate monthly', { importance: 0.9 }),
    ]);
    expect(await tierOf(ns, 'note')).to.equal(Tier.TIER_HOT);
    expect(await maintain({ namespace: ns })).to.deep.equal({
      promotedCount: 0, demotedCount: 0, archivedCount: 0, expiredCount: 0, reembeddedCount: 0,
    });

    now += 8 * DAY; // the agent's note has been idle for more than a half-life
    expect(await maintain({ namespace: ns })).to.deep.include({ demotedCount: 1, archivedCount: 0 });
    expect(await tierOf(ns, 'note')).to.equal(Tier.TIER_WARM);

    now += 6 * DAY; // the unimportant memory's retention falls under 0.15
    expect(await maintain({ namespace: ns })).to.deep.include({ archivedCount: 1 });
    expect(await tierOf(ns, 'trivia')).to.equal(Tier.TIER_COLD);
    expect(await tierOf(ns, 'core')).to.equal(Tier.TIER_WARM);

    const moves = entries(ns, ['memory.tier_changed']);
    expect(moves.map((e) => [e.subject, e.payload.from, e.payload.to, e.payload.reason])).to.deep.equal([
      ['note', 'HOT', 'WARM', 'retention'],
      ['trivia', 'WARM', 'COLD', 'retention'],
    ]);
    expect(moves[0]!.actor).to.equal('anonymous');
  });

  it('keeps an agent’s HOT set to CORTEX_HOT_PER_AGENT, pushing the least recently used back to WARM', async () => {
    const ns = 'capacity';
    for (const id of ['a', 'b', 'c']) {
      await remember(ns, [memory(id, `step ${id} of the plan`, { agentId: 'planner' })]);
      now += 1000;
    }
    await get(ns, 'a');
    now += 1000;
    await remember(ns, [memory('d', 'step d of the plan', { agentId: 'planner' })]);
    expect(await Promise.all(['a', 'b', 'c', 'd'].map((id) => tierOf(ns, id)))).to.deep.equal([
      Tier.TIER_HOT, Tier.TIER_WARM, Tier.TIER_HOT, Tier.TIER_HOT,
    ]);
    expect(entries(ns, ['memory.tier_changed']).map((e) => [e.subject, e.payload.reason])).to.deep.equal([['b', 'capacity']]);
    expect((await snapshot(ns, 'planner')).hotMemories.map((m) => m.id)).to.deep.equal(['d', 'a', 'c']);
  });

  it('never archives a pinned memory', async () => {
    const ns = 'pinned';
    await remember(ns, [memory('pin', 'The on-call phone number', { importance: 0, pinned: true }), memory('loose', 'A passing remark', { importance: 0 })]);
    expect(await maintain({ namespace: ns, asOf: new Date(now + 365 * DAY) })).to.deep.include({ archivedCount: 1 });
    expect(await tierOf(ns, 'pin')).to.equal(Tier.TIER_WARM);
    expect(await tierOf(ns, 'loose')).to.equal(Tier.TIER_COLD);
  });

  it('never returns an expired memory, and maintenance deletes it with a ledger event', async () => {
    const ns = 'expiry';
    await remember(ns, [memory('temp', 'Temporary door code is 4711', { agentId: 'guard', expiresAt: new Date(now + HOUR) })]);
    expect((await get(ns, 'temp')).memory!.content).to.equal('Temporary door code is 4711');
    now += 2 * HOUR;
    expect((await callError(server.memory.getMemory.bind(server.memory), { namespace: ns, id: 'temp' })).code).to.equal(status.NOT_FOUND);
    expect((await recall({ namespace: ns, query: 'door code' })).hits).to.deep.equal([]);
    expect((await snapshot(ns, 'guard')).hotMemories).to.deep.equal([]);
    expect(await maintain({ namespace: ns })).to.deep.include({ expiredCount: 1 });
    expect(await tierOf(ns, 'temp')).to.equal(undefined);
    expect(entries(ns, ['memory.expired']).map((e) => [e.subject, e.payload.tier])).to.deep.equal([['temp', 'HOT']]);
  });

  it('leaves COLD memories out of default recall, finds them by meaning and by keyword when asked, and re-warms what it returns', async () => {
    const ns = 'cold-recall';
    await remember(ns, [
      memory('whale', 'Blue whales are the largest animals that ever lived', { importance: 0 }),
      memory('tax', 'Quarterly tax filing is due at the end of April', { importance: 0.9 }),
    ]);
    await maintain({ namespace: ns, asOf: new Date(now + 60 * DAY) });
    expect(await tierOf(ns, 'whale')).to.equal(Tier.TIER_COLD);

    const ids = async (request: Partial<RecallRequest>) =>
      (await recall({ namespace: ns, query: 'biggest creature in the ocean', mode: RecallMode.RECALL_MODE_VECTOR, ...request })).hits.map((h) => h.memory!.id);
    expect(await ids({})).to.not.include('whale');
    expect(await ids({ mode: RecallMode.RECALL_MODE_KEYWORD, query: 'whales' })).to.deep.equal([]);

    const { hits } = await recall({ namespace: ns, query: 'biggest creature in the ocean', mode: RecallMode.RECALL_MODE_VECTOR, filter: filter({ tiers: [Tier.TIER_COLD] }) });
    expect(hits.map((h) => h.memory!.id)).to.deep.equal(['whale']);
    expect(hits[0]!.memory).to.deep.include({ content: 'Blue whales are the largest animals that ever lived', tier: Tier.TIER_WARM });
    expect(await tierOf(ns, 'whale')).to.equal(Tier.TIER_WARM);
    expect((await ids({}))[0]).to.equal('whale');
    expect(entries(ns, ['memory.tier_changed']).map((e) => [e.subject, e.payload.from, e.payload.to, e.payload.reason])).to.deep.equal([
      ['whale', 'WARM', 'COLD', 'retention'],
      ['whale', 'COLD', 'WARM', 'access'],
    ]);

    await maintain({ namespace: ns, asOf: new Date(now + 120 * DAY) });
    expect(await tierOf(ns, 'whale')).to.equal(Tier.TIER_COLD);
    expect(await ids({ mode: RecallMode.RECALL_MODE_KEYWORD, query: 'largest whales', filter: filter({ tiers: [Tier.TIER_COLD] }) })).to.deep.equal(['whale']);
    expect(await tierOf(ns, 'whale')).to.equal(Tier.TIER_WARM);
  });

  it('re-warms a COLD memory fetched by id: tier WARM, back in vector recall', async () => {
    const ns = 'cold-get';
    await remember(ns, [memory('fern', 'Ferns reproduce with spores instead of seeds', { importance: 0 })]);
    await maintain({ namespace: ns, asOf: new Date(now + 60 * DAY) });
    const vectorIds = async () =>
      (await recall({ namespace: ns, query: 'plant reproduction without seeds', mode: RecallMode.RECALL_MODE_VECTOR })).hits.map((h) => h.memory!.id);
    expect(await vectorIds()).to.deep.equal([]);
    const fetched = (await get(ns, 'fern')).memory!;
    expect(fetched).to.deep.include({ tier: Tier.TIER_WARM, content: 'Ferns reproduce with spores instead of seeds' });
    expect(await vectorIds()).to.deep.equal(['fern']);
    expect(entries(ns, ['memory.tier_changed']).at(-1)).to.deep.include({ subject: 'fern', payload: { from: 'COLD', to: 'WARM', reason: 'access' } });
  });

  it('counts in a dry run what a real run would move, and moves nothing', async () => {
    const ns = 'dry-run';
    await remember(ns, [
      memory('x', 'An unimportant detail', { importance: 0 }),
      memory('y', 'Soon to expire', { expiresAt: new Date(now + HOUR) }),
    ]);
    const asOf = new Date(now + 60 * DAY);
    const before = entries(ns).length;
    const planned = await maintain({ namespace: ns, dryRun: true, asOf });
    expect(planned).to.deep.equal({ promotedCount: 0, demotedCount: 0, archivedCount: 1, expiredCount: 1, reembeddedCount: 0 });
    expect(entries(ns)).to.have.length(before);
    expect(await tierOf(ns, 'x')).to.equal(Tier.TIER_WARM);
    expect(await maintain({ namespace: ns, asOf })).to.deep.equal(planned);
  });

  it('returns the agent’s hot memories, state, counts per tier and the ledger head in a snapshot', async () => {
    const ns = 'snapshot';
    await remember(ns, [
      memory('s1', 'Customer prefers email over phone', { agentId: 'support' }),
      memory('s2', 'Ticket 42 is waiting on engineering', { agentId: 'support' }),
      memory('s3', 'Old greeting template', { agentId: 'support', importance: 0 }),
    ]);
    await maintain({ namespace: ns, asOf: new Date(now + 60 * DAY) }); // s3 → COLD; s1, s2 → WARM
    now += 1000;
    await get(ns, 's2'); // read again: promoted back on the next run, unlike s1
    await maintain({ namespace: ns });
    await call(server.agent.putState.bind(server.agent), {
      namespace: ns, agentId: 'support', set: { step: 'triage' }, deleteKeys: [], expectedVersion: undefined, replace: false,
    });
    const snap = await snapshot(ns, 'support');
    expect(snap.hotMemories.map((m) => [m.id, m.tier])).to.deep.equal([['s2', Tier.TIER_HOT]]);
    expect(snap.tierCounts).to.deep.equal({ hot: 1, warm: 1, cold: 1 });
    expect(snap.state).to.deep.equal({ step: 'triage' });
    const head = ledgerDb.prepare('SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    expect(snap.ledgerHeadSeq).to.equal(head.seq);
    expect(snap.ledgerHeadHash).to.equal(head.hash);
  });

  it('keeps HOT sets and COLD memories across a restart', async () => {
    const ns = 'restart';
    await remember(ns, [
      memory('hot', 'Deploy freeze starts Friday', { agentId: 'release' }),
      memory('cold', 'Penguins huddle together to stay warm', { importance: 0 }),
    ]);
    await maintain({ namespace: ns, asOf: new Date(now + 60 * DAY) });
    await remember(ns, [memory('hot', 'Deploy freeze starts Friday', { agentId: 'release' })]); // unchanged: stays WARM
    await remember(ns, [memory('hot', 'Deploy freeze starts Friday noon', { agentId: 'release' })]); // a write: HOT again
    ledgerDb.close();
    await server.stop({ keepData: true });
    server = await startTestServer({ dataDir: server.dataDir, clock: () => now, env: TIER_ENV });
    ledgerDb = new Database(join(server.dataDir, 'cortex.db'), { readonly: true });
    const snap = await snapshot(ns, 'release');
    expect(snap.hotMemories.map((m) => [m.id, m.content])).to.deep.equal([['hot', 'Deploy freeze starts Friday noon']]);
    expect(snap.tierCounts).to.deep.equal({ hot: 1, warm: 0, cold: 0 });
    const ids = async () =>
      (await recall({ namespace: ns, query: 'birds keeping warm in the cold', mode: RecallMode.RECALL_MODE_VECTOR })).hits.map((h) => h.memory!.id);
    expect(await ids()).to.not.include('cold');
    expect((await get(ns, 'cold')).memory).to.deep.include({ tier: Tier.TIER_WARM, content: 'Penguins huddle together to stay warm' });
    expect((await ids())[0]).to.equal('cold');
  });

  it('rejects an invalid namespace in RunMaintenance', async () => {
    const error = await callError(server.memory.runMaintenance.bind(server.memory), { namespace: 'no spaces', dryRun: true, asOf: undefined });
    expect(error.code).to.equal(status.INVALID_ARGUMENT);
    expect(errorDetails(error).fieldViolations.map((v) => v.field)).to.deep.equal(['namespace']);
  });
});
