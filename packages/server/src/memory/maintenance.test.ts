import { expect } from 'chai';
import { TIER_CODES } from './rows.js';
import { CTX, DAY, HOUR, input, openTierFixture, type TierFixture } from './tiers-test-helpers.js';
import type { RecallQuery } from './index.js';

const vectorQuery = (query: string, extra: Partial<RecallQuery> = {}): RecallQuery => ({
  mode: 'VECTOR',
  query,
  topK: 5,
  filter: {},
  minScore: 0,
  ...extra,
});

describe('tier maintenance', () => {
  let f: TierFixture;
  afterEach(async () => {
    await f.close();
  });

  describe('archiving to COLD', () => {
    it('archives an unimportant memory once its retention falls below the threshold, not before', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('trivia', 'the coffee machine is on floor three', { importance: 0.1 })]);
      f.advance(12 * DAY); // retention 0.152
      expect(await f.maintenance.run()).to.deep.equal({ promoted: 0, demoted: 0, archived: 0, expired: 0, reembedded: 0 });
      f.advance(DAY); // 0.142
      expect(await f.maintenance.run()).to.deep.include({ archived: 1 });
      expect(f.tierOf('trivia')).to.equal(TIER_CODES.COLD);
      const [event] = f.entries('memory.tier_changed');
      expect(event).to.deep.include({ subject: 'trivia', actor: 'system:maintenance' });
      expect(event!.payload).to.deep.include({ from: 'WARM', to: 'COLD', reason: 'retention' });
      expect(event!.payload.retention).to.be.closeTo(0.1416, 1e-3);
    });

    it('never archives a pinned memory, and keeps an ordinary (importance 0.5) one WARM however old', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('pinned', 'keep me', { importance: 0, pinned: true }), input('plain', 'ordinary')]);
      f.advance(3650 * DAY);
      expect(await f.maintenance.run()).to.deep.include({ archived: 0 });
      expect([f.tierOf('pinned'), f.tierOf('plain')]).to.deep.equal([TIER_CODES.WARM, TIER_CODES.WARM]);
    });

    it('stores a COLD memory compactly, out of the vector index and default recall, and still returns its text', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('c', 'penguins live in antarctica', { importance: 0 })]);
      f.advance(30 * DAY);
      await f.maintenance.run();
      const row = f.db.prepare('SELECT content, content_compressed FROM memories WHERE id = ?').get('c') as { content: string; content_compressed: Buffer };
      expect(row.content).to.equal('');
      expect(row.content_compressed).to.be.instanceOf(Buffer);
      expect(f.db.prepare('SELECT COUNT(*) AS n FROM memory_chunks').get()).to.deep.equal({ n: 1 });
      expect(f.vectors.size()).to.equal(0);
      expect(await f.memories.recall('ns', vectorQuery('penguins antarctica'))).to.deep.equal([]);
      expect(await f.memories.recall('ns', vectorQuery('penguins', { mode: 'KEYWORD' }))).to.deep.equal([]);
      const [listed] = f.memories.list('ns', {}, 10, '').memories;
      expect(listed).to.deep.include({ content: 'penguins live in antarctica', tier: 'COLD' });
    });

    it('finds COLD memories by meaning when the filter asks for COLD, and re-warms what it returns', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [
        input('cold', 'penguins live in antarctica', { importance: 0 }),
        input('warm', 'penguins eat fish', { importance: 0.9 }),
      ]);
      f.advance(30 * DAY);
      await f.maintenance.run();
      const hits = await f.memories.recall('ns', vectorQuery('penguins antarctica', { filter: { tiers: ['WARM', 'COLD'] } }), CTX);
      expect(hits.map((h) => [h.memory.id, h.memory.tier])).to.deep.equal([
        ['cold', 'WARM'],
        ['warm', 'WARM'],
      ]);
      expect(hits[0]!.memory.content).to.equal('penguins live in antarctica');
      expect(f.tierOf('cold')).to.equal(TIER_CODES.WARM);
      expect(f.entries('memory.tier_changed').at(-1)).to.deep.equal({
        subject: 'cold',
        actor: 'tester',
        payload: { from: 'COLD', to: 'WARM', reason: 'access' },
      });
      // Back in the vector index and the keyword index.
      expect((await f.memories.recall('ns', vectorQuery('penguins antarctica'))).map((h) => h.memory.id)[0]).to.equal('cold');
      expect((await f.memories.recall('ns', vectorQuery('antarctica', { mode: 'KEYWORD' }))).map((h) => h.memory.id)).to.deep.equal(['cold']);
    });

    it('re-warms a COLD memory fetched by id, with its text, vectors and a ledger event', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('c', 'volcanoes of iceland', { importance: 0 })]);
      f.advance(30 * DAY);
      await f.maintenance.run();
      const memory = f.memories.get('ns', 'c', CTX);
      expect(memory).to.deep.include({ tier: 'WARM', content: 'volcanoes of iceland', accessCount: 1 });
      expect(f.vectors.size()).to.equal(1);
      expect(f.entries('memory.tier_changed').map((e) => [e.payload.from, e.payload.to])).to.deep.equal([
        ['WARM', 'COLD'],
        ['COLD', 'WARM'],
      ]);
    });

    it('answers a replay of a COLD memory UNCHANGED and leaves it COLD; a real update brings it back', async () => {
      f = await openTierFixture();
      const item = input('c', 'glaciers retreat', { importance: 0 });
      await f.memories.remember(CTX, 'ns', [item]);
      f.advance(30 * DAY);
      await f.maintenance.run();
      const replay = await f.memories.remember(CTX, 'ns', [item]);
      expect(replay.results[0]).to.deep.include({ outcome: 'UNCHANGED' });
      expect(replay.results[0]!.memory).to.deep.include({ tier: 'COLD', content: 'glaciers retreat' });
      const update = await f.memories.remember(CTX, 'ns', [{ ...item, tags: ['geo'] }]);
      expect(update.results[0]!.memory).to.deep.include({ tier: 'WARM', content: 'glaciers retreat' });
      expect(f.vectors.size()).to.equal(1);
      expect(f.entries('memory.tier_changed').at(-1)!.payload).to.deep.equal({ from: 'COLD', to: 'WARM', reason: 'write' });
    });
  });

  describe('HOT moves', () => {
    it('demotes an agent’s HOT memory left unread for about a half-life', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('h', 'working note', { agentId: 'a' })]);
      f.advance(6 * DAY);
      expect(await f.maintenance.run()).to.deep.include({ demoted: 0 });
      f.advance(2 * DAY);
      expect(await f.maintenance.run()).to.deep.include({ demoted: 1 });
      expect(f.tierOf('h')).to.equal(TIER_CODES.WARM);
      expect(f.hotTier.size()).to.equal(0);
      expect(f.entries('memory.tier_changed')[0]!.payload).to.deep.include({ from: 'HOT', to: 'WARM', reason: 'retention' });
    });

    it('never demotes a pinned HOT memory by retention', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('h', 'always at hand', { agentId: 'a', pinned: true })]);
      f.advance(365 * DAY);
      expect(await f.maintenance.run()).to.deep.equal({ promoted: 0, demoted: 0, archived: 0, expired: 0, reembedded: 0 });
      expect(f.tierOf('h')).to.equal(TIER_CODES.HOT);
    });

    it('promotes an agent’s recently read WARM memory into free HOT capacity, most recently read first', async () => {
      f = await openTierFixture({ tiers: { hotPerAgent: 1 } });
      for (const id of ['p', 'q', 'r']) await f.memories.remember(CTX, 'ns', [input(id, `note ${id}`, { agentId: 'a' })]);
      f.memories.forget(CTX, 'ns', ['r'], {});
      expect([f.tierOf('p'), f.tierOf('q')]).to.deep.equal([TIER_CODES.WARM, TIER_CODES.WARM]);
      expect(await f.maintenance.run()).to.deep.include({ promoted: 0 }); // never read: not promoted
      f.memories.get('ns', 'p', CTX);
      f.advance(HOUR);
      f.memories.get('ns', 'q', CTX);
      expect(await f.maintenance.run()).to.deep.include({ promoted: 1 });
      expect([f.tierOf('p'), f.tierOf('q')]).to.deep.equal([TIER_CODES.WARM, TIER_CODES.HOT]);
      expect(f.hotTier.list('ns', 'a', 10, f.now()).map((m) => m.id)).to.deep.equal(['q']);
      expect(f.entries('memory.tier_changed').at(-1)!.payload).to.deep.include({ from: 'WARM', to: 'HOT', reason: 'retention' });
    });
  });

  describe('expiry', () => {
    it('deletes memories past expires_at (pinned too), with their vectors, HOT entry and a ledger event', async () => {
      f = await openTierFixture();
      const expiresAt = f.now() + HOUR;
      await f.memories.remember(CTX, 'ns', [
        input('e1', 'temporary', { agentId: 'a', expiresAt }),
        input('e2', 'pinned but temporary', { pinned: true, expiresAt }),
        input('stay', 'permanent'),
      ]);
      expect(await f.maintenance.run()).to.deep.include({ expired: 0 });
      f.advance(2 * HOUR);
      expect(() => f.memories.get('ns', 'e1')).to.throw('memory not found');
      expect(await f.maintenance.run()).to.deep.include({ expired: 2 });
      expect(f.tierOf('e1')).to.equal(undefined);
      expect(f.hotTier.size()).to.equal(0);
      expect(f.vectors.size()).to.equal(1);
      expect(f.entries('memory.expired')).to.deep.equal([
        { subject: 'e1', actor: 'system:maintenance', payload: { expiresAt, tier: 'HOT' } },
        { subject: 'e2', actor: 'system:maintenance', payload: { expiresAt, tier: 'WARM' } },
      ]);
    });
  });

  describe('runs', () => {
    it('counts in a dry run exactly what a real run then does, moving nothing and writing no ledger entry', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [
        input('gone', 'expiring', { expiresAt: f.now() + HOUR }),
        input('archive', 'unimportant', { importance: 0 }),
        input('archive-hot', 'unimportant and hot', { importance: 0, agentId: 'a' }),
        input('demote', 'working note', { agentId: 'a' }),
      ]);
      f.advance(30 * DAY);
      const head = f.ledger.head();
      const planned = await f.maintenance.run({ dryRun: true });
      expect(planned).to.deep.equal({ promoted: 0, demoted: 1, archived: 2, expired: 1, reembedded: 0 });
      expect(f.ledger.head()).to.deep.equal(head);
      expect(f.tierOf('archive')).to.equal(TIER_CODES.WARM);
      expect(await f.maintenance.run()).to.deep.equal(planned);
      expect(f.entries('memory.tier_changed')).to.have.length(3);
      expect(f.entries('memory.expired')).to.have.length(1);
    });

    it('evaluates the policy as of a given instant and limits a run to one namespace', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('a', 'x', { importance: 0 })]);
      await f.memories.remember(CTX, 'other', [input('b', 'y', { importance: 0 })]);
      expect(await f.maintenance.run({ dryRun: true })).to.deep.include({ archived: 0 });
      expect(await f.maintenance.run({ dryRun: true, asOf: f.now() + 30 * DAY })).to.deep.include({ archived: 2 });
      expect(await f.maintenance.run({ asOf: f.now() + 30 * DAY, namespace: 'other', ctx: CTX })).to.deep.include({ archived: 1 });
      expect([f.tierOf('a', 'ns'), f.tierOf('b', 'other')]).to.deep.equal([TIER_CODES.WARM, TIER_CODES.COLD]);
      expect(f.entries('memory.tier_changed')[0]!.actor).to.equal('tester');
    });

    it('works in batches of the configured size, giving the event loop a turn between them', async () => {
      f = await openTierFixture({ tiers: { maintenanceBatch: 2 } });
      await f.memories.remember(CTX, 'ns', ['1', '2', '3', '4', '5'].map((id) => input(id, `note ${id}`, { importance: 0 })));
      f.advance(30 * DAY);
      let interleaved = false;
      const run = f.maintenance.run();
      setImmediate(() => {
        interleaved = f.tierOf('5') === TIER_CODES.WARM;
      });
      expect(await run).to.deep.include({ archived: 5 });
      expect(interleaved).to.equal(true);
      const txIds = f.db.prepare("SELECT DISTINCT tx_id FROM ledger WHERE action = 'memory.tier_changed'").all();
      expect(txIds).to.have.length(3);
    });

    it('runs on its own every intervalMs once started, and not after stop', async () => {
      f = await openTierFixture({ tiers: { maintenanceIntervalMs: 10 } });
      await f.memories.remember(CTX, 'ns', [input('x', 'x', { importance: 0 })]);
      f.advance(30 * DAY);
      f.maintenance.start();
      for (let i = 0; i < 100 && f.tierOf('x') !== TIER_CODES.COLD; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(f.tierOf('x')).to.equal(TIER_CODES.COLD);
      await f.maintenance.stop();
      await f.memories.remember(CTX, 'ns', [input('y', 'y', { importance: 0 })]);
      f.advance(30 * DAY);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(f.tierOf('y')).to.equal(TIER_CODES.WARM);
    });

    it('serializes concurrent runs', async () => {
      f = await openTierFixture();
      await f.memories.remember(CTX, 'ns', [input('x', 'x', { importance: 0 })]);
      f.advance(30 * DAY);
      const [first, second] = await Promise.all([f.maintenance.run(), f.maintenance.run()]);
      expect(first.archived + second.archived).to.equal(1);
    });
  });
});
