import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

describe('AgentService', function () {
  let server: TestServer;
  interface PutFields { set?: Record<string, string>; deleteKeys?: string[]; expectedVersion?: number; replace?: boolean }
  const put = (agentId: string, request: PutFields) =>
    call(server.agent.putState.bind(server.agent), {
      namespace: 'agents',
      agentId,
      set: request.set ?? {},
      deleteKeys: request.deleteKeys ?? [],
      expectedVersion: request.expectedVersion,
      replace: request.replace ?? false,
    });
  const snapshot = (agentId: string) =>
    call(server.agent.getSnapshot.bind(server.agent), { namespace: 'agents', agentId, hotLimit: 0 });

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('creates state at version 1 when the caller expects version 0', async () => {
    const result = await put('fresh', { set: { goal: 'ship', step: '1' }, expectedVersion: 0 });
    expect(result.version).to.equal(1);
    expect(result.state).to.deep.equal({ goal: 'ship', step: '1' });
    expect(result.ledgerSeq).to.be.greaterThan(0);
  });

  it('merges sets and deletes into the existing state and bumps the version', async () => {
    await put('merge', { set: { a: '1', b: '2' } });
    const result = await put('merge', { set: { c: '3' }, deleteKeys: ['a'], expectedVersion: 1 });
    expect(result).to.deep.include({ version: 2 });
    expect(result.state).to.deep.equal({ b: '2', c: '3' });
  });

  it('replaces the whole state when asked', async () => {
    await put('replace', { set: { a: '1', b: '2' } });
    const result = await put('replace', { set: { z: '9' }, replace: true });
    expect(result.state).to.deep.equal({ z: '9' });
  });

  it('rejects a stale expected_version with ABORTED carrying the current version, and writes nothing', async () => {
    await put('conflict', { set: { v: 'one' } });
    await put('conflict', { set: { v: 'two' } });
    const error = await callError(server.agent.putState.bind(server.agent), {
      namespace: 'agents', agentId: 'conflict', set: { v: 'stale' }, deleteKeys: [], expectedVersion: 1, replace: false,
    });
    expect(error.code).to.equal(status.ABORTED);
    expect(errorDetails(error)).to.deep.include({
      reason: 'STATE_VERSION_CONFLICT',
      metadata: { currentVersion: '2', expectedVersion: '1' },
    });
    const snap = await snapshot('conflict');
    expect(snap.state).to.deep.equal({ v: 'two' });
    expect(snap.stateVersion).to.equal(2);
  });

  it('lets exactly one of two writers racing on the same version win', async () => {
    await put('race', { set: { n: '0' } });
    const attempts = await Promise.allSettled([
      put('race', { set: { n: 'a' }, expectedVersion: 1 }),
      put('race', { set: { n: 'b' }, expectedVersion: 1 }),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).to.have.length(1);
    expect((await snapshot('race')).stateVersion).to.equal(2);
  });

  it('returns state, tier counts and the ledger head in a snapshot', async () => {
    await call(server.memory.remember.bind(server.memory), {
      namespace: 'agents',
      memories: [1, 2, 3].map((i) => ({
        id: `snap-${i}`, agentId: 'snap', content: `memory ${i}`, kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [],
      })),
    });
    const written = await put('snap', { set: { mood: 'focused' } });
    const snap = await snapshot('snap');
    expect(snap.state).to.deep.equal({ mood: 'focused' });
    expect(snap.stateVersion).to.equal(1);
    expect(snap.stateUpdatedAt).to.be.instanceOf(Date);
    // An agent's new memories enter its HOT set, which the snapshot returns, most recent first.
    expect(snap.tierCounts).to.deep.equal({ hot: 3, warm: 0, cold: 0 });
    expect(snap.hotMemories.map((m) => m.id)).to.have.members(['snap-1', 'snap-2', 'snap-3']);
    expect(snap.ledgerHeadSeq).to.be.at.least(written.ledgerSeq);
    expect(snap.ledgerHeadHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('returns an empty snapshot at version 0 for an unknown agent', async () => {
    const snap = await snapshot('nobody');
    expect(snap.state).to.deep.equal({});
    expect(snap.stateVersion).to.equal(0);
    expect(snap.tierCounts).to.deep.equal({ hot: 0, warm: 0, cold: 0 });
  });

  it('rejects a missing agent id, an empty change and a negative expected_version', async () => {
    const error = await callError(server.agent.putState.bind(server.agent), {
      namespace: 'agents', agentId: '', set: {}, deleteKeys: [], expectedVersion: -1, replace: false,
    });
    expect(errorDetails(error).fieldViolations.map((v) => v.field)).to.have.members(['agent_id', 'set', 'expected_version']);
  });
});
