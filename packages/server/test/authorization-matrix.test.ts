import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { fromJson, toBinary, type DescMethod, type JsonValue } from '@bufbuild/protobuf';
import { accessRules } from '../src/rpc/access.js';
import { cortexMethods, loadDescriptors, rpcPath } from '../src/rpc/descriptors.js';
import { bearer, tokenKey, writeKeyFile } from './auth-helpers.js';
import { call, errorDetails, startTestServer, type TestServer } from './harness.js';

/**
 * Every RPC of the descriptor set against every kind of caller. A new RPC fails here until it
 * has a sample request and the role this table expects, and until the proto declares that role:
 * no RPC ships unguarded.
 */
const NS = 'team-a/matrix';
const RPCS: Readonly<Record<string, { readonly role: 'read' | 'write'; readonly request: JsonValue; readonly namespaced: boolean }>> = {
  '/cortex.v1.MemoryService/Remember': { role: 'write', namespaced: true, request: { namespace: NS, memories: [{ id: 'w1', content: 'matrix write' }] } },
  '/cortex.v1.MemoryService/Recall': { role: 'read', namespaced: true, request: { namespace: NS, query: 'deploy', mode: 'RECALL_MODE_KEYWORD' } },
  '/cortex.v1.MemoryService/GetMemory': { role: 'read', namespaced: true, request: { namespace: NS, id: 'm1' } },
  '/cortex.v1.MemoryService/ListMemories': { role: 'read', namespaced: true, request: { namespace: NS } },
  '/cortex.v1.MemoryService/Forget': { role: 'write', namespaced: true, request: { namespace: NS, ids: ['not-there'] } },
  '/cortex.v1.MemoryService/RunMaintenance': { role: 'write', namespaced: true, request: { namespace: NS, dryRun: true } },
  '/cortex.v1.ContextService/BuildContext': { role: 'read', namespaced: true, request: { namespace: NS, query: 'deploy', tokenBudget: 200, model: 'gpt-4o' } },
  '/cortex.v1.ContextService/CountTokens': { role: 'read', namespaced: false, request: { model: 'gpt-4o', texts: ['hello'] } },
  '/cortex.v1.AgentService/GetSnapshot': { role: 'read', namespaced: true, request: { namespace: NS, agentId: 'agent-1' } },
  '/cortex.v1.AgentService/PutState': { role: 'write', namespaced: true, request: { namespace: NS, agentId: 'agent-1', set: { k: 'v' } } },
  '/cortex.v1.LedgerService/Record': { role: 'write', namespaced: true, request: { namespace: NS, action: 'test.matrix' } },
  '/cortex.v1.LedgerService/GetEntries': { role: 'read', namespaced: true, request: { namespace: NS } },
  '/cortex.v1.LedgerService/Verify': { role: 'read', namespaced: false, request: {} },
  // Hashes and signed heads only, no entry of any namespace: what docs/security.md says a tenant may prove.
  '/cortex.v1.LedgerService/GetSignedHead': { role: 'read', namespaced: false, request: {} },
  '/cortex.v1.LedgerService/GetInclusionProof': { role: 'read', namespaced: false, request: { seq: '1', treeSize: '1' } },
  '/cortex.v1.LedgerService/GetConsistencyProof': { role: 'read', namespaced: false, request: { fromSize: '1', toSize: '1' } },
  // Finite: the stream ends after the entry at to_seq (filled in once the setup has written).
  '/cortex.v1.LedgerService/Subscribe': { role: 'read', namespaced: true, request: { namespace: NS, fromSeq: '1', toSeq: '${head}' } },
};

const reader = tokenKey('reader', ['read'], ['team-a/*']);
const writer = tokenKey('writer', ['write'], ['team-a/*']);
const other = tokenKey('other', ['read', 'write'], ['team-b/*', 'shared']);
const admin = tokenKey('admin', ['admin']);

type Outcome = 'OK' | `${keyof typeof status}:${string}`;
interface Caller {
  readonly name: string;
  readonly metadata: () => Metadata;
  readonly expect: (rpc: (typeof RPCS)[string]) => Outcome;
}
const CALLERS: readonly Caller[] = [
  { name: 'no key', metadata: () => new Metadata(), expect: () => 'UNAUTHENTICATED:MISSING_API_KEY' },
  { name: 'an unknown key', metadata: () => bearer('ctx_not-a-key-anyone-holds-0000000000000'), expect: () => 'UNAUTHENTICATED:INVALID_API_KEY' },
  { name: 'a read key of the namespace', metadata: () => bearer(reader.token), expect: (r) => (r.role === 'read' ? 'OK' : 'PERMISSION_DENIED:ROLE_REQUIRED') },
  { name: 'a write key of the namespace', metadata: () => bearer(writer.token), expect: (r) => (r.role === 'write' ? 'OK' : 'PERMISSION_DENIED:ROLE_REQUIRED') },
  { name: 'a read+write key of another namespace', metadata: () => bearer(other.token), expect: (r) => (r.namespaced ? 'PERMISSION_DENIED:NAMESPACE_NOT_ALLOWED' : 'OK') },
  { name: 'an admin key', metadata: () => bearer(admin.token), expect: () => 'OK' },
];

describe('authorization matrix: every RPC × every kind of caller', function () {
  const { registry } = loadDescriptors();
  const methods = cortexMethods(registry);
  const rules = accessRules(registry);
  let server: TestServer;
  let client: Client;
  let dir: string;
  let head = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-matrix-'));
    server = await startTestServer({ env: { CORTEX_API_KEYS_FILE: writeKeyFile(dir, [reader, writer, other, admin]) } });
    client = new Client(server.address, credentials.createInsecure());
    const written = await call(server.memory.remember.bind(server.memory), { namespace: NS, memories: [{ id: 'm1', agentId: '', content: 'The deploy failed', kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }] }, bearer(admin.token));
    head = written.ledgerSeq;
  });
  after(async () => {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a sample request and an expected role for every RPC in the descriptor set, matching the proto’s declaration', () => {
    const missing = methods.map(rpcPath).filter((path) => RPCS[path] === undefined);
    expect(missing, 'RPCs without a row in this matrix: add a sample request and the role they need').to.deep.equal([]);
    for (const method of methods) {
      const rule = rules.get(rpcPath(method));
      expect(rule?.role, `${rpcPath(method)} declares (cortex.v1.required_role)`).to.equal(RPCS[rpcPath(method)]?.role);
      expect(rule?.namespaced, `${rpcPath(method)} names a namespace`).to.equal(RPCS[rpcPath(method)]?.namespaced);
    }
  });

  for (const caller of CALLERS) {
    it(`answers ${caller.name} as the matrix says, for every RPC`, async () => {
      const got: Record<string, Outcome> = {};
      const want: Record<string, Outcome> = {};
      for (const method of methods) {
        const rpc = RPCS[rpcPath(method)];
        if (rpc === undefined) continue;
        want[rpcPath(method)] = caller.expect(rpc);
        got[rpcPath(method)] = await invoke(client, method, rpc.request, caller.metadata(), head);
      }
      expect(got).to.deep.equal(want);
    });
  }

  it('lets only admin keys reach every namespace or the server itself with an empty namespace', async () => {
    const empty = methods.filter((m) => rules.get(rpcPath(m))?.emptyNamespace === 'admin');
    expect(empty.map(rpcPath)).to.have.members(['/cortex.v1.MemoryService/RunMaintenance', '/cortex.v1.LedgerService/Record']);
    for (const method of empty) {
      const request = { ...(RPCS[rpcPath(method)]!.request as object), namespace: '' };
      expect(await invoke(client, method, request, bearer(writer.token), head), rpcPath(method)).to.equal('PERMISSION_DENIED:ADMIN_REQUIRED');
      expect(await invoke(client, method, request, bearer(other.token), head), rpcPath(method)).to.equal('PERMISSION_DENIED:ADMIN_REQUIRED');
      expect(await invoke(client, method, request, bearer(admin.token), head), rpcPath(method)).to.equal('OK');
    }
  });

  it('refuses an empty namespace as invalid where the RPC needs one, whoever calls', async () => {
    const required = methods.filter((m) => rules.get(rpcPath(m))?.namespaced && rules.get(rpcPath(m))?.emptyNamespace === 'required');
    expect(required).to.have.length.of.at.least(8);
    for (const method of required) {
      const request = { ...(RPCS[rpcPath(method)]!.request as object), namespace: '' };
      expect(await invoke(client, method, request, bearer(admin.token), head), rpcPath(method)).to.equal('INVALID_ARGUMENT:INVALID_ARGUMENT');
    }
  });
});

/** Calls any RPC by its descriptor with a proto3 JSON request; resolves to OK or CODE:REASON. */
async function invoke(client: Client, method: DescMethod, json: JsonValue, metadata: Metadata, head: number): Promise<Outcome> {
  const filled = JSON.parse(JSON.stringify(json).replaceAll('${head}', String(head))) as JsonValue;
  const bytes = Buffer.from(toBinary(method.input, fromJson(method.input, filled)));
  const path = `/${method.parent.typeName}/${method.name}`;
  const identity = (value: Buffer) => value;
  const failure = (error: ServiceError): Outcome => `${status[error.code] as keyof typeof status}:${errorDetails(error).reason}`;
  if (method.methodKind === 'server_streaming') {
    return new Promise((resolve) => {
      const stream = client.makeServerStreamRequest(path, identity, identity, bytes, metadata);
      stream.on('data', () => undefined);
      stream.on('error', (error: ServiceError) => resolve(failure(error)));
      stream.on('end', () => resolve('OK'));
    });
  }
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, bytes, metadata, (error) => resolve(error ? failure(error) : 'OK'));
  });
}
