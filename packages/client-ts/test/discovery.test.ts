import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { after, before, describe, it } from 'mocha';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus, HealthService, type HealthCheckRequest, type HealthCheckResponse } from '@cortex/proto/grpc/health/v1/health';
import { CortexClient } from '../src/index.js';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { startFakeServer, type FakeServer } from './fake-server.js';
import { freePort, startServer, type CortexProcess } from './server.js';

/** A CortexClient in a child process that resolves names through a test DNS server (see dns-client.ts). */
class DnsClient {
  readonly #child: ChildProcess;
  readonly #lines: Interface;

  constructor(target: string) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'dns-client.ts'), target], {
      env: { ...process.env, GRPC_NODE_USE_ALTERNATIVE_RESOLVER: 'true' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.#lines = createInterface({ input: this.#child.stdout! });
  }

  /** Sends each request in turn; the status name of each call ('OK', 'UNIMPLEMENTED', ...). */
  async call(method: string, requests: unknown[]): Promise<string[]> {
    const answer = once(this.#lines, 'line') as Promise<[string]>;
    this.#child.stdin!.write(`${JSON.stringify({ method, requests })}\n`);
    const [line] = await answer;
    return (JSON.parse(line) as { outcomes: string[] }).outcomes;
  }

  async close(): Promise<void> {
    const exited = once(this.#child, 'exit');
    this.#child.stdin!.end();
    await exited;
  }
}

const countTokens = (times: number) => Array.from({ length: times }, () => ({ model: 'gpt-4o', texts: ['hello'] }));

describe('CortexClient with dns:/// targets', function () {
  const port = { value: 0 };
  const replicas: CortexProcess[] = [];
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    port.value = await freePort();
    // Two real servers on one port, at two loopback addresses: two replicas behind one name.
    replicas.push(...(await Promise.all(['127.0.0.1', '127.0.0.2'].map((host) => startServer({ port: port.value, env: { CORTEX_HOST: host } })))));
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  const dnsClient = async (addresses: string[]) => {
    const dns: DnsServer = await startDnsServer('cortex.test', addresses);
    closers.push(() => dns.close());
    const client = new DnsClient(`dns://${dns.address}/cortex.test:${port.value}`);
    closers.push(() => client.close());
    return client;
  };

  it('reaches the server behind a name the system resolves (dns:///localhost:port)', async () => {
    const client = new CortexClient({ address: `dns:///localhost:${port.value}`, defaultDeadlineMs: 10_000 });
    closers.push(async () => client.close());
    const counted = await client.countTokens({ model: 'gpt-4o', texts: ['hello'] });
    expect(counted.totalTokens).to.be.greaterThan(0);
  });

  it('spreads calls round-robin over every replica the name resolves to', async () => {
    const client = await dnsClient(['127.0.0.1', '127.0.0.2']);
    const memories = Array.from({ length: 40 }, (_, i) => ({ namespace: 'spread', memories: [{ id: `m${i}`, content: `memory ${i}` }] }));
    expect(await client.call('remember', memories)).to.deep.equal(Array(40).fill('OK'));

    const stored = [];
    for (const replica of replicas) {
      const direct = new CortexClient({ address: replica.address, defaultDeadlineMs: 10_000 });
      let count = 0;
      for await (const _ of direct.listAllMemories({ namespace: 'spread' })) count += 1;
      direct.close();
      stored.push(count);
    }
    expect(stored[0]! + stored[1]!).to.equal(40);
    expect(Math.min(...stored), `memories per replica: ${stored.join(', ')}`).to.be.at.least(10);
  });

  describe('a replica whose health is NOT_SERVING', function () {
    let draining: FakeServer;
    const watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();
    let health = HealthCheckResponse_ServingStatus.NOT_SERVING;
    const setHealth = (status: HealthCheckResponse_ServingStatus) => {
      health = status;
      watchers.forEach((w) => w.write({ status }));
    };

    before(async () => {
      // Only grpc.health.v1, no Cortex service: a call routed here fails with UNIMPLEMENTED.
      draining = await startFakeServer(
        HealthService,
        {
          watch: (stream: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
            watchers.add(stream);
            stream.once('cancelled', () => watchers.delete(stream));
            stream.write({ status: health });
          },
        },
        { host: '127.0.0.3', port: port.value },
      );
      closers.push(async () => {
        watchers.forEach((w) => w.end());
        await draining.stop();
      });
    });

    it('gets no calls, and gets them once it reports SERVING', async () => {
      const client = await dnsClient(['127.0.0.3', '127.0.0.1']);
      expect(await client.call('countTokens', countTokens(20))).to.deep.equal(Array(20).fill('OK'));

      // The check was what kept calls away: once the replica says SERVING it gets some.
      setHealth(HealthCheckResponse_ServingStatus.SERVING);
      let outcomes: string[] = [];
      for (let round = 0; round < 50 && !outcomes.includes('UNIMPLEMENTED'); round += 1) {
        outcomes = await client.call('countTokens', countTokens(10));
      }
      expect(outcomes).to.include('UNIMPLEMENTED').and.to.include('OK');
    });
  });
});
