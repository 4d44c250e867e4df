import { expect } from 'chai';
import { TIER_CODES } from './rows.js';
import { CTX, HOUR, input, openTierFixture, type TierFixture } from './tiers-test-helpers.js';

describe('HOT tier', () => {
  let f: TierFixture;
  afterEach(async () => {
    await f.close();
  });

  it('puts a memory written with an agent id in that agent’s HOT set and a shared one in WARM, saying so in the ledger', async () => {
    f = await openTierFixture();
    await f.memories.remember(CTX, 'ns', [input('mine', 'agent note', { agentId: 'a' }), input('shared', 'team note')]);
    expect(f.tierOf('mine')).to.equal(TIER_CODES.HOT);
    expect(f.tierOf('shared')).to.equal(TIER_CODES.WARM);
    expect(f.entries('memory.created').map((e) => [e.subject, e.payload.tier])).to.deep.equal([
      ['mine', 'HOT'],
      ['shared', 'WARM'],
    ]);
    expect(f.hotTier.list('ns', 'a', 10, f.now()).map((m) => m.id)).to.deep.equal(['mine']);
  });

  it('pushes the least recently used memory back to WARM when an agent’s set is full; a read keeps a memory in', async () => {
    f = await openTierFixture({ tiers: { hotPerAgent: 3 } });
    for (const id of ['m1', 'm2', 'm3']) {
      await f.memories.remember(CTX, 'ns', [input(id, `note ${id}`, { agentId: 'a' })]);
      f.advance(1000);
    }
    f.memories.get('ns', 'm1', CTX); // m2 is now the least recently used
    f.advance(1000);
    await f.memories.remember(CTX, 'ns', [input('m4', 'note m4', { agentId: 'a' })]);
    expect(['m1', 'm2', 'm3', 'm4'].map((id) => f.tierOf(id))).to.deep.equal([TIER_CODES.HOT, TIER_CODES.WARM, TIER_CODES.HOT, TIER_CODES.HOT]);
    expect(f.entries('memory.tier_changed')).to.deep.equal([
      { subject: 'm2', actor: 'tester', payload: { from: 'HOT', to: 'WARM', reason: 'capacity' } },
    ]);
    expect(f.hotTier.list('ns', 'a', 10, f.now()).map((m) => m.id)).to.deep.equal(['m4', 'm1', 'm3']);
  });

  it('bounds the total across agents, evicting the globally least recently used', async () => {
    f = await openTierFixture({ tiers: { hotPerAgent: 10, hotTotal: 3 } });
    await f.memories.remember(CTX, 'ns', [input('a1', 'x', { agentId: 'a' }), input('b1', 'y', { agentId: 'b' })]);
    await f.memories.remember(CTX, 'other', [input('c1', 'z', { agentId: 'c' }), input('c2', 'w', { agentId: 'c' })]);
    expect(f.tierOf('a1')).to.equal(TIER_CODES.WARM);
    expect(f.hotTier.size()).to.equal(3);
    const moved = f.entries('memory.tier_changed');
    expect(moved.map((e) => [e.subject, e.payload.reason])).to.deep.equal([['a1', 'capacity']]);
  });

  it('pushes out pinned memories only when nothing unpinned is left', async () => {
    f = await openTierFixture({ tiers: { hotPerAgent: 2 } });
    await f.memories.remember(CTX, 'ns', [input('pin', 'pinned', { agentId: 'a', pinned: true })]);
    await f.memories.remember(CTX, 'ns', [input('u1', 'one', { agentId: 'a' })]);
    await f.memories.remember(CTX, 'ns', [input('u2', 'two', { agentId: 'a' })]);
    expect([f.tierOf('pin'), f.tierOf('u1'), f.tierOf('u2')]).to.deep.equal([TIER_CODES.HOT, TIER_CODES.WARM, TIER_CODES.HOT]);
  });

  it('writes a batch larger than the set as WARM for the overflow, with no move event for memories that were never HOT', async () => {
    f = await openTierFixture({ tiers: { hotPerAgent: 2 } });
    const { results } = await f.memories.remember(CTX, 'ns', ['b1', 'b2', 'b3'].map((id) => input(id, id, { agentId: 'a' })));
    expect(results.map((r) => r.memory.tier)).to.deep.equal(['WARM', 'HOT', 'HOT']);
    expect(f.entries('memory.created').map((e) => e.payload.tier)).to.deep.equal(['WARM', 'HOT', 'HOT']);
    expect(f.entries('memory.tier_changed')).to.deep.equal([]);
  });

  it('moves a WARM memory an agent updates into its HOT set, with a move event', async () => {
    f = await openTierFixture({ tiers: { hotPerAgent: 1 } });
    await f.memories.remember(CTX, 'ns', [input('old', 'first', { agentId: 'a' })]);
    await f.memories.remember(CTX, 'ns', [input('new', 'second', { agentId: 'a' })]);
    await f.memories.remember(CTX, 'ns', [input('old', 'first, edited', { agentId: 'a' })]);
    expect([f.tierOf('old'), f.tierOf('new')]).to.deep.equal([TIER_CODES.HOT, TIER_CODES.WARM]);
    expect(f.entries('memory.tier_changed').map((e) => [e.subject, e.payload.from, e.payload.to, e.payload.reason])).to.deep.equal([
      ['old', 'HOT', 'WARM', 'capacity'],
      ['old', 'WARM', 'HOT', 'write'],
      ['new', 'HOT', 'WARM', 'capacity'],
    ]);
  });

  it('lists an agent’s hot memories most recently accessed first, with fresh access counts, without expired ones', async () => {
    f = await openTierFixture();
    await f.memories.remember(CTX, 'ns', [
      input('h1', 'one', { agentId: 'a' }),
      input('h2', 'two', { agentId: 'a' }),
      input('brief', 'short lived', { agentId: 'a', expiresAt: f.now() + HOUR }),
    ]);
    f.advance(1000);
    f.memories.get('ns', 'h1', CTX);
    const listed = f.hotTier.list('ns', 'a', 10, f.now());
    expect(listed.map((m) => m.id)).to.deep.equal(['h1', 'brief', 'h2']);
    expect(listed[0]).to.deep.include({ accessCount: 1, lastAccessedAt: f.now() });
    expect(f.hotTier.list('ns', 'a', 10, f.now() + 2 * HOUR).map((m) => m.id)).to.deep.equal(['h1', 'h2']);
    expect(f.hotTier.list('ns', 'a', 1, f.now()).map((m) => m.id)).to.deep.equal(['h1']);
  });

  it('drops forgotten memories from the set', async () => {
    f = await openTierFixture();
    await f.memories.remember(CTX, 'ns', [input('gone', 'bye', { agentId: 'a' })]);
    f.memories.forget(CTX, 'ns', ['gone'], {});
    expect(f.hotTier.size()).to.equal(0);
  });

  it('is rebuilt from SQLite at start, and a capacity lowered since is applied with ledger events', async () => {
    f = await openTierFixture();
    for (const id of ['r1', 'r2', 'r3']) {
      await f.memories.remember(CTX, 'ns', [input(id, id, { agentId: 'a' })]);
      f.advance(1000);
    }
    const dir = f.dir;
    await f.close({ keepData: true });
    f = await openTierFixture({ dir, tiers: { hotPerAgent: 2 }, start: f.now() });
    expect(f.hotTier.list('ns', 'a', 10, f.now()).map((m) => m.id)).to.deep.equal(['r3', 'r2']);
    expect(f.tierOf('r1')).to.equal(TIER_CODES.WARM);
    expect(f.entries('memory.tier_changed')).to.deep.equal([
      { subject: 'r1', actor: 'system:maintenance', payload: { from: 'HOT', to: 'WARM', reason: 'capacity' } },
    ]);
  });

  it('boosts the fused score of HOT hits by the configured factor and re-sorts', async () => {
    f = await openTierFixture({ tiers: { hotRecallBoost: 0.5 } });
    await f.memories.remember(CTX, 'ns', [input('warm', 'w'), input('hot', 'h', { agentId: 'a' })]);
    const rowId = (id: string) => String((f.db.prepare('SELECT row_id FROM memories WHERE id = ?').get(id) as { row_id: number }).row_id);
    const boosted = f.hotTier.boost([
      { id: rowId('warm'), score: 1 },
      { id: rowId('hot'), score: 0.8 },
    ]);
    expect(boosted.map((h) => h.score)).to.deep.equal([0.8 * 1.5, 1]);
  });
});
