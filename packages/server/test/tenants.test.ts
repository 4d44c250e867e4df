import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import type { LedgerEntry, SubscribeResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { bearer, tokenKey, writeKeyFile } from './auth-helpers.js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

/**
 * The leaks an operator found with two keys (issue 9): bob read, recalled, listed and forgot
 * alice's memories, read and overwrote her state, built a context from her memories, followed
 * her ledger entries, ran maintenance, and recorded an entry as alice. Each is closed here.
 */
const alice = tokenKey('alice', ['read', 'write'], ['alice', 'alice/*']);
const bob = tokenKey('bob', ['read', 'write'], ['bob']);
const ops = tokenKey('ops', ['admin']);

const memoryInput = (id: string, content: string) => ({ id, agentId: 'planner', content, kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] });

describe('tenants cannot see each other', function () {
  let server: TestServer;
  let dir: string;
  const logs: Array<Record<string, unknown>> = [];
  const as = (key: { token: string }): Metadata => bearer(key.token);
  const denied = async (promise: Promise<ServiceError>) => {
    const error = await promise;
    return { code: error.code, reason: errorDetails(error).reason, message: error.details };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-tenants-'));
    const env = { CORTEX_API_KEYS_FILE: writeKeyFile(dir, [alice, bob, ops]) };
    server = await startTestServer({ env, onLog: (entry) => logs.push(entry) });
    await call(server.memory.remember.bind(server.memory), { namespace: 'alice', memories: [memoryInput('secret', 'The launch code is 0000')] }, as(alice));
    await call(server.agent.putState.bind(server.agent), { namespace: 'alice', agentId: 'planner', set: { plan: 'ship friday' }, deleteKeys: [], expectedVersion: undefined, replace: false }, as(alice));
    await call(server.memory.remember.bind(server.memory), { namespace: 'bob', memories: [memoryInput('mine', 'Bob’s own note')] }, as(bob));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bob cannot read, recall, list or forget alice’s memories, and alice still has them', async () => {
    const m = server.memory;
    const refusals = [
      await denied(callError(m.getMemory.bind(m), { namespace: 'alice', id: 'secret' }, as(bob))),
      await denied(callError(m.recall.bind(m), { namespace: 'alice', query: 'launch code', topK: 5, mode: 0, filter: undefined, minScore: 0 }, as(bob))),
      await denied(callError(m.listMemories.bind(m), { namespace: 'alice', pageSize: 0, pageToken: '', filter: undefined }, as(bob))),
      await denied(callError(m.forget.bind(m), { namespace: 'alice', ids: ['secret'], filter: undefined }, as(bob))),
      await denied(callError(m.remember.bind(m), { namespace: 'alice', memories: [memoryInput('secret', 'overwritten by bob')] }, as(bob))),
    ];
    for (const refusal of refusals) expect(refusal).to.deep.include({ code: status.PERMISSION_DENIED, reason: 'NAMESPACE_NOT_ALLOWED' });
    const kept = await call(m.getMemory.bind(m), { namespace: 'alice', id: 'secret' }, as(alice));
    expect(kept.memory?.content).to.equal('The launch code is 0000');
  });

  it('a refusal says nothing about whether the namespace or the item exists', async () => {
    const m = server.memory;
    const existing = await denied(callError(m.getMemory.bind(m), { namespace: 'alice', id: 'secret' }, as(bob)));
    const missingItem = await denied(callError(m.getMemory.bind(m), { namespace: 'alice', id: 'never-written' }, as(bob)));
    const missingTree = await denied(callError(m.getMemory.bind(m), { namespace: 'alice/never-created', id: 'secret' }, as(bob)));
    expect(missingItem).to.deep.equal(existing);
    expect({ ...missingTree, message: missingTree.message.replace('alice/never-created', 'alice') }).to.deep.equal(existing);
  });

  it('bob cannot read or overwrite alice’s agent state, nor build a context from her memories', async () => {
    const a = server.agent;
    expect(await denied(callError(a.getSnapshot.bind(a), { namespace: 'alice', agentId: 'planner', hotLimit: 0 }, as(bob)))).to.deep.include({ reason: 'NAMESPACE_NOT_ALLOWED' });
    const replace = { namespace: 'alice', agentId: 'planner', set: { plan: 'bob was here' }, deleteKeys: [], expectedVersion: undefined, replace: true };
    expect(await denied(callError(a.putState.bind(a), replace, as(bob)))).to.deep.include({ code: status.PERMISSION_DENIED, reason: 'NAMESPACE_NOT_ALLOWED' });
    const c = server.context;
    const build = { namespace: 'alice', agentId: 'planner', query: 'launch code', tokenBudget: 500, reserveTokens: 0, model: 'gpt-4o', compression: 0, history: [], candidateCount: 0, minRelevance: 0, disableRelevanceFloor: false, dedupeThreshold: 0, filter: undefined };
    expect(await denied(callError(c.buildContext.bind(c), build, as(bob)))).to.deep.include({ code: status.PERMISSION_DENIED, reason: 'NAMESPACE_NOT_ALLOWED' });
    const snapshot = await call(a.getSnapshot.bind(a), { namespace: 'alice', agentId: 'planner', hotLimit: 0 }, as(alice));
    expect(snapshot.state).to.deep.equal({ plan: 'ship friday' });
  });

  it('bob’s ledger reads hold only his namespace: GetEntries and Subscribe without a namespace, and both refuse hers', async () => {
    const l = server.ledger;
    const head = (await call(l.getEntries.bind(l), { fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' }, as(ops))).headSeq;
    const all = await call(l.getEntries.bind(l), { fromSeq: 1, toSeq: head, pageSize: 1000, pageToken: '', namespace: '' }, as(ops));
    expect(new Set(all.entries.map((e) => e.namespace))).to.deep.equal(new Set(['alice', 'bob']));

    const bobs = await call(l.getEntries.bind(l), { fromSeq: 1, toSeq: head, pageSize: 1000, pageToken: '', namespace: '' }, as(bob));
    expect(bobs.entries.length).to.be.greaterThan(0);
    expect(bobs.entries.every((e) => e.namespace === 'bob')).to.equal(true);
    expect(await denied(callError(l.getEntries.bind(l), { fromSeq: 1, toSeq: head, pageSize: 10, pageToken: '', namespace: 'alice' }, as(bob)))).to.deep.include({ reason: 'NAMESPACE_NOT_ALLOWED' });

    const streamed = await subscribe(server, { fromSeq: 1, toSeq: head, namespace: '' }, as(bob));
    expect(streamed.map((e) => e.seq)).to.deep.equal(bobs.entries.map((e) => e.seq));
    const refused = await subscribe(server, { fromSeq: 1, toSeq: head, namespace: 'alice' }, as(bob)).then(
      () => undefined,
      (error: unknown) => errorDetails(error as ServiceError).reason,
    );
    expect(refused).to.equal('NAMESPACE_NOT_ALLOWED');
  });

  it('a tenant pages through the shared ledger one entry at a time and never sees another namespace', async () => {
    const l = server.ledger;
    for (let i = 0; i < 5; i++) {
      await call(l.record.bind(l), { namespace: 'alice', actor: '', action: 'test.noise', subject: `n${i}`, agentId: '', payloadJson: '' }, as(alice));
    }
    await call(l.record.bind(l), { namespace: 'bob', actor: '', action: 'test.signal', subject: 'last', agentId: '', payloadJson: '' }, as(bob));
    const seen: LedgerEntry[] = [];
    let token = '';
    do {
      const page = await call(l.getEntries.bind(l), { fromSeq: 1, toSeq: 0, pageSize: 1, pageToken: token, namespace: '' }, as(bob));
      seen.push(...page.entries);
      token = page.nextPageToken;
    } while (token !== '');
    expect(seen.every((e) => e.namespace === 'bob')).to.equal(true);
    expect(seen.at(-1)?.subject).to.equal('last');
  });

  it('only an admin key runs maintenance over every namespace; a tenant runs it for its own', async () => {
    const m = server.memory;
    const everywhere = { namespace: '', dryRun: true, asOf: undefined };
    expect(await denied(callError(m.runMaintenance.bind(m), everywhere, as(bob)))).to.deep.include({ code: status.PERMISSION_DENIED, reason: 'ADMIN_REQUIRED' });
    expect(await denied(callError(m.runMaintenance.bind(m), { ...everywhere, namespace: 'alice' }, as(bob)))).to.deep.include({ reason: 'NAMESPACE_NOT_ALLOWED' });
    await call(m.runMaintenance.bind(m), { ...everywhere, namespace: 'bob' }, as(bob));
    await call(m.runMaintenance.bind(m), everywhere, as(ops));
  });

  it('bob cannot record as alice: the entry’s actor is bob, his claim is kept as on_behalf_of', async () => {
    const l = server.ledger;
    const { entry } = await call(l.record.bind(l), { namespace: 'bob', actor: 'alice', action: 'deploy.approved', subject: 'r-1', agentId: '', payloadJson: '' }, as(bob));
    expect(entry).to.deep.include({ actor: 'bob', onBehalfOf: 'alice', encodingVersion: 2 });
    expect(await denied(callError(l.record.bind(l), { namespace: 'alice', actor: 'alice', action: 'deploy.approved', subject: 'r-1', agentId: '', payloadJson: '' }, as(bob)))).to.deep.include({ reason: 'NAMESPACE_NOT_ALLOWED' });
    expect(await denied(callError(l.record.bind(l), { namespace: '', actor: '', action: 'server.note', subject: '', agentId: '', payloadJson: '' }, as(bob)))).to.deep.include({ reason: 'ADMIN_REQUIRED' });
    const remembered = await call(server.memory.remember.bind(server.memory), { namespace: 'bob', memories: [memoryInput('by-bob', 'written by bob')] }, as(bob));
    const written = await call(l.getEntries.bind(l), { fromSeq: remembered.ledgerSeq, toSeq: remembered.ledgerSeq, pageSize: 1, pageToken: '', namespace: 'bob' }, as(bob));
    expect(written.entries[0]).to.deep.include({ actor: 'bob', onBehalfOf: '' });
  });

  it('counts every denied call by reason and method, and logs it with the principal', async () => {
    await callError(server.memory.getMemory.bind(server.memory), { namespace: 'alice', id: 'secret' }, as(bob));
    const text = await (await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/metrics`)).text();
    const denials = (reason: string, method: string) => {
      const line = new RegExp(`cortex_auth_denied_total\\{reason="${reason}",method="${method}"\\} (\\d+)`);
      return Number(line.exec(text)?.[1] ?? 0);
    };
    expect(denials('NAMESPACE_NOT_ALLOWED', '/cortex.v1.MemoryService/GetMemory')).to.be.greaterThan(0);
    expect(denials('ADMIN_REQUIRED', '/cortex.v1.MemoryService/RunMaintenance')).to.be.greaterThan(0);
    const line = logs.find((l) => l.message === 'call denied' && l.method === '/cortex.v1.MemoryService/GetMemory');
    expect(line).to.deep.include({ level: 'warn', principal: 'bob', reason: 'NAMESPACE_NOT_ALLOWED' });
  });
});

/** Reads a finite Subscribe (to_seq set) to its end; the commits' entries. */
function subscribe(
  server: TestServer,
  request: { fromSeq: number; toSeq: number; namespace: string },
  metadata: Metadata,
): Promise<LedgerEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: LedgerEntry[] = [];
    const stream = server.ledger.subscribe({ ...request, actions: [], agentId: '', includeArchived: false, heartbeatIntervalMs: 0 }, metadata);
    stream.on('data', (message: SubscribeResponse) => entries.push(...(message.commit?.entries ?? [])));
    stream.on('error', reject);
    stream.on('end', () => resolve(entries));
  });
}
