import { expect } from 'chai';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type Client,
  type ClientDuplexStream,
  type GrpcObject,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HealthCheckResponse_ServingStatus } from '@cortex/proto/grpc/health/v1/health';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const listRequest = { namespace: 'srv', pageSize: 1, pageToken: '', filter: undefined };

/** The part of grpc.reflection.{v1,v1alpha}.ServerReflection these tests use (the two versions share the shape). */
type ReflectionRequest = { listServices: string } | { fileContainingSymbol: string };
interface ReflectionResponse {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
}
interface ReflectionClient extends Client {
  ServerReflectionInfo(): ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
}

/** Sends one request on a reflection stream (proto-loader builds the client: the reflection protos are not in @cortex/proto). */
async function reflect(address: string, version: string, request: ReflectionRequest): Promise<ReflectionResponse> {
  const require = createRequire(import.meta.url);
  const protoPath = require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);
  const pkg = loadPackageDefinition(loadSync(protoPath));
  const reflection = ((pkg.grpc as GrpcObject).reflection as GrpcObject)[version] as GrpcObject;
  const Reflection = reflection.ServerReflection as ServiceClientConstructor;
  const client = new Reflection(address, credentials.createInsecure()) as unknown as ReflectionClient;
  const stream = client.ServerReflectionInfo();
  const response = await new Promise<ReflectionResponse>((resolve, reject) => {
    stream.on('data', resolve);
    stream.on('error', reject);
    stream.write(request);
  });
  stream.end();
  client.close();
  return response;
}

describe('server', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('reports SERVING for the whole server and each Cortex service, from real checks', async () => {
    for (const service of ['', 'cortex.v1.MemoryService', 'cortex.v1.ContextService', 'cortex.v1.LedgerService', 'cortex.v1.AgentService']) {
      const response = await call(server.health.check.bind(server.health), { service });
      expect(response.status, service).to.equal(HealthCheckResponse_ServingStatus.SERVING);
    }
  });

  it('answers NOT_FOUND for the health of an unknown service', async () => {
    const error = await callError(server.health.check.bind(server.health), { service: 'no.such.Service' });
    expect(error.code).to.equal(status.NOT_FOUND);
  });

  for (const version of ['v1', 'v1alpha']) {
    it(`lists every service through server reflection ${version}`, async () => {
      const response = await reflect(server.address, version, { listServices: '' });
      expect(response.listServicesResponse!.service.map((s) => s.name)).to.include.members([
        'cortex.v1.MemoryService',
        'cortex.v1.ContextService',
        'cortex.v1.LedgerService',
        'cortex.v1.AgentService',
        'grpc.health.v1.Health',
      ]);
    });
  }

  it('serves every file a service depends on through reflection, well-known types included', async () => {
    const response = await reflect(server.address, 'v1', { fileContainingSymbol: 'cortex.v1.MemoryService' });
    // A FileDescriptorProto starts with its name (field 1), so the name is the first string in it.
    const names = response.fileDescriptorResponse!.fileDescriptorProto.map((file) => file.subarray(2, 2 + file[1]!).toString());
    expect(names).to.include.members(['cortex/v1/memory_service.proto', 'cortex/v1/memory.proto', 'google/protobuf/timestamp.proto']);
  });

  it('echoes the caller’s x-correlation-id and generates one when absent', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const metadata = new Metadata();
      metadata.set('x-correlation-id', 'trace-123');
      const c = server.memory.listMemories(listRequest, metadata, (error) => error && reject(error));
      c.on('metadata', (md) => resolve(String(md.get('x-correlation-id')[0])));
    });
    expect(echoed).to.equal('trace-123');
    const generated = await new Promise<string>((resolve, reject) => {
      const c = server.memory.listMemories(listRequest, (error) => error && reject(error));
      c.on('metadata', (md) => resolve(String(md.get('x-correlation-id')[0])));
    });
    expect(generated).to.match(/^[0-9a-f-]{36}$/);
  });

  it('echoes the correlation id on errors too', async () => {
    const metadata = new Metadata();
    metadata.set('x-correlation-id', 'trace-err');
    const error = await callError(server.memory.getMemory.bind(server.memory), { namespace: 'srv', id: 'missing' }, metadata);
    expect(error.metadata.get('x-correlation-id')).to.deep.equal(['trace-err']);
  });

  it('exposes RPC counts on /metrics and readiness on /readyz', async () => {
    await call(server.memory.listMemories.bind(server.memory), listRequest);
    const metrics = await (await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/metrics`)).text();
    expect(metrics).to.match(/cortex_grpc_server_handled_total\{method="\/cortex.v1.MemoryService\/ListMemories",code="OK"\} \d+/);
    expect(metrics).to.include('# TYPE cortex_event_loop_lag_seconds summary');
    expect(metrics).to.match(/cortex_event_loop_lag_seconds\{quantile="0.99"\} [\d.e-]+/);
    expect((await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/readyz`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/healthz`)).status).to.equal(200);
  });
});

describe('server with authentication', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { CORTEX_API_KEYS: 'ops:0123456789abcdef0123' } });
  });
  after(async () => {
    await server.stop();
  });

  it('refuses a call without an API key with UNAUTHENTICATED', async () => {
    const error = await callError(server.memory.listMemories.bind(server.memory), listRequest);
    expect(error.code).to.equal(status.UNAUTHENTICATED);
    expect(errorDetails(error).reason).to.equal('MISSING_API_KEY');
  });

  it('refuses an unknown API key', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer not-a-key-at-all-000');
    const error = await callError(server.memory.listMemories.bind(server.memory), listRequest, metadata);
    expect(errorDetails(error).reason).to.equal('INVALID_API_KEY');
  });

  it('accepts a known API key and records its principal as the ledger actor', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer 0123456789abcdef0123');
    metadata.set('x-cortex-principal', 'spoofed');
    const result = await call(server.agent.putState.bind(server.agent), {
      namespace: 'auth', agentId: 'a', set: { k: 'v' }, deleteKeys: [], expectedVersion: undefined, replace: false,
    }, metadata);
    expect(result.version).to.equal(1);
    const db = new Database(join(server.dataDir, 'cortex.db'), { readonly: true });
    const entry = db.prepare('SELECT actor, action FROM ledger WHERE seq = ?').get(result.ledgerSeq);
    db.close();
    expect(entry).to.deep.equal({ actor: 'ops', action: 'state.put' });
  });

  it('keeps health checks open to load balancers without a key', async () => {
    const response = await call(server.health.check.bind(server.health), { service: '' });
    expect(response.status).to.equal(HealthCheckResponse_ServingStatus.SERVING);
  });
});

describe('server with rate limits', function () {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { CORTEX_RATE_LIMIT_RPS: '1', CORTEX_RATE_LIMIT_BURST: '2' } });
  });
  after(async () => {
    await server.stop();
  });

  it('refuses a caller over its limit with RESOURCE_EXHAUSTED, retry-after and x-ratelimit-* metadata', async () => {
    await call(server.memory.listMemories.bind(server.memory), listRequest);
    await call(server.memory.listMemories.bind(server.memory), listRequest);
    const error = await callError(server.memory.listMemories.bind(server.memory), listRequest);
    expect(error.code).to.equal(status.RESOURCE_EXHAUSTED);
    expect(errorDetails(error).reason).to.equal('RATE_LIMITED');
    expect(error.metadata.get('retry-after')).to.deep.equal(['1']);
    expect(error.metadata.get('x-ratelimit-limit')).to.deep.equal(['2']);
    expect(error.metadata.get('x-ratelimit-remaining')).to.deep.equal(['0']);
  });

  it('never limits health checks', async () => {
    for (let i = 0; i < 5; i += 1) {
      const response = await call(server.health.check.bind(server.health), { service: '' });
      expect(response.status).to.equal(HealthCheckResponse_ServingStatus.SERVING);
    }
  });
});
