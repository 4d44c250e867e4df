import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { MemoryServiceClient } from '@cortex/proto/cortex/v1/memory_service';
import { HealthCheckResponse_ServingStatus, HealthClient } from '@cortex/proto/grpc/health/v1/health';
import { call, startTestServer, TEST_MODEL_DIR } from './harness.js';

const SERVER_DIR = join(import.meta.dirname, '..');

/** Starts `cortex serve` as its own process and resolves once it logs its port. */
async function spawnServer(dataDir: string): Promise<{ child: ChildProcess; port: number; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: { ...process.env, CORTEX_MODEL_DIR: TEST_MODEL_DIR, CORTEX_DATA_DIR: dataDir, CORTEX_PORT: '0', CORTEX_METRICS_PORT: '0', CORTEX_HOST: '127.0.0.1', CORTEX_LOG_LEVEL: 'info', CORTEX_SHUTDOWN_GRACE_MS: '5000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { message?: string; grpcPort?: number };
      if (entry.message === 'cortex serving' && entry.grpcPort) resolve(entry.grpcPort);
    });
  });
  return { child, port, exit };
}

describe('graceful shutdown', function () {
  this.timeout(120_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cortex-shutdown-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no acknowledged write when SIGTERM arrives during a stream of writes, and exits 0', async () => {
    const { child, port, exit } = await spawnServer(dataDir);
    const client = new MemoryServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const acknowledged: string[] = [];
    const refusals: status[] = [];
    let stop = false;

    const writer = async (w: number) => {
      for (let i = 0; !stop; i += 1) {
        const id = `w${w}-${i}`;
        try {
          await call(client.remember.bind(client), {
            namespace: 'shutdown',
            memories: [{ id, agentId: '', content: `write ${id}`, kind: '', tags: [], metadata: {}, importance: undefined, expiresAt: undefined, pinned: false, threadId: '', occurredAt: undefined, embedding: [] }],
          });
          acknowledged.push(id);
        } catch (error) {
          refusals.push((error as ServiceError).code);
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    const code = await exit;
    stop = true;
    await Promise.all(writers);
    client.close();

    expect(code).to.equal(0);
    expect(refusals.every((c) => c === status.UNAVAILABLE || c === status.CANCELLED)).to.equal(true, `codes ${refusals.join(',')}`);

    const restarted = await startTestServer({ dataDir });
    try {
      const stored = new Set<string>();
      let pageToken = '';
      do {
        const page = await call(restarted.memory.listMemories.bind(restarted.memory), { namespace: 'shutdown', pageSize: 1000, pageToken, filter: undefined });
        page.memories.forEach((m) => stored.add(m.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).to.deep.equal([]);
    } finally {
      await restarted.stop({ keepData: true });
    }
  });

  it('ends open Health.Watch streams with NOT_SERVING on stop, so they do not hold the grace period', async () => {
    // The longest grace period (10 min): were the Watch stream left open, stop would wait it out and this
    // suite's timeout would fail the test first.
    const server = await startTestServer({ dataDir, env: { CORTEX_SHUTDOWN_GRACE_MS: '600000' } });
    const client = new HealthClient(server.address, credentials.createInsecure());
    const seen: HealthCheckResponse_ServingStatus[] = [];
    const stream = client.watch({ service: '' });
    const ended = new Promise<number>((resolve) => stream.on('status', (s: { code: number }) => resolve(s.code)));
    await new Promise<void>((resolve) => {
      stream.on('data', (response: { status: HealthCheckResponse_ServingStatus }) => {
        seen.push(response.status);
        resolve();
      });
    });
    try {
      await server.cortex.stop();
      const code = await ended;
      expect(seen).to.deep.equal([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
      expect(code).to.be.oneOf([status.OK, status.UNAVAILABLE]);
    } finally {
      client.close();
      await server.stop({ keepData: true });
    }
  });

  it('refuses to start without the embedding model, exits non-zero and names the command that fixes it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: SERVER_DIR,
      env: { ...process.env, CORTEX_MODEL_DIR: join(dataDir, 'no-model'), CORTEX_DATA_DIR: dataDir, CORTEX_PORT: '0', CORTEX_METRICS_PORT: '0', CORTEX_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(1);
    expect(output).to.include('embedding model unavailable');
    expect(output).to.include('npm run setup');
    expect(output).to.not.include('cortex serving');
  });
});
