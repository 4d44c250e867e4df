import { expect } from 'chai';
import { Server, ServerCredentials, credentials, status } from '@grpc/grpc-js';
import winston from 'winston';
import { HealthCheckResponse_ServingStatus, HealthClient } from '@cortex/proto/grpc/health/v1/health';
import { createHealthMonitor } from './health.js';

const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;

describe('health monitor', () => {
  let server: Server;
  let client: HealthClient;
  let embedderBroken = false;
  let monitor: ReturnType<typeof createHealthMonitor>;

  const statusOf = (service: string) =>
    new Promise<HealthCheckResponse_ServingStatus>((resolve, reject) =>
      client.check({ service }, (error, response) => (error ? reject(error) : resolve(response.status))),
    );

  before(async () => {
    monitor = createHealthMonitor({
      logger: winston.createLogger({ silent: true, transports: [new winston.transports.Console()] }),
      intervalMs: 60_000,
      checks: {
        database: () => undefined,
        embedder: () => {
          if (embedderBroken) throw new Error('model session closed');
        },
      },
      services: { '': ['database', 'embedder'], 'cortex.v1.MemoryService': ['database', 'embedder'], 'cortex.v1.AgentService': ['database'] },
    });
    server = new Server();
    monitor.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('reports a failing dependency as NOT_SERVING for exactly the services that need it, and recovers', async () => {
    await monitor.runChecks();
    expect(await statusOf('cortex.v1.MemoryService')).to.equal(SERVING);
    embedderBroken = true;
    const failures = await monitor.runChecks();
    expect([...failures.keys()]).to.deep.equal(['embedder']);
    expect(await statusOf('cortex.v1.MemoryService')).to.equal(NOT_SERVING);
    expect(await statusOf('')).to.equal(NOT_SERVING);
    expect(await statusOf('cortex.v1.AgentService')).to.equal(SERVING);
    expect(monitor.isServing()).to.equal(false);
    embedderBroken = false;
    await monitor.runChecks();
    expect(await statusOf('cortex.v1.MemoryService')).to.equal(SERVING);
  });

  it('reports NOT_SERVING everywhere once draining, whatever the checks say', async () => {
    monitor.drain();
    await monitor.runChecks();
    expect(await statusOf('cortex.v1.AgentService')).to.equal(NOT_SERVING);
    expect(await statusOf('')).to.equal(NOT_SERVING);
  });

  it('ends a Watch opened while draining after its one NOT_SERVING, so it cannot hold the shutdown', async () => {
    const stream = client.watch({ service: '' });
    const seen: HealthCheckResponse_ServingStatus[] = [];
    stream.on('data', (response: { status: HealthCheckResponse_ServingStatus }) => seen.push(response.status));
    const code = await new Promise<number>((resolve) => stream.on('status', (s: { code: number }) => resolve(s.code)));
    expect(seen).to.deep.equal([NOT_SERVING]);
    expect(code).to.equal(status.OK);
  });
});
