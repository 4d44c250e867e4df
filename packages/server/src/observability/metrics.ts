import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createEventLoopLag, type EventLoopLag } from './event-loop-lag.js';

export interface Metrics {
  readonly registry: Registry;
  readonly rpcHandled: Counter<'method' | 'code'>;
  readonly rpcDuration: Histogram<'method'>;
  /** Calls refused by authentication or authorization, by ErrorInfo reason. */
  readonly authDenied: Counter<'reason' | 'method'>;
  readonly ledgerHead: Gauge;
  /** Samples event-loop delay while started (a job: the server starts and stops it with the others). */
  readonly eventLoopLag: EventLoopLag;
}

/** A registry per server instance: no process-global metric state, so tests can run several. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    rpcHandled: new Counter({
      name: 'cortex_grpc_server_handled_total',
      help: 'RPCs completed, by method and gRPC status code.',
      labelNames: ['method', 'code'],
      registers: [registry],
    }),
    rpcDuration: new Histogram({
      name: 'cortex_grpc_server_handling_seconds',
      help: 'RPC handling time, by method.',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    authDenied: new Counter({
      name: 'cortex_auth_denied_total',
      help: 'Calls refused as UNAUTHENTICATED or PERMISSION_DENIED, by reason and method.',
      labelNames: ['reason', 'method'],
      registers: [registry],
    }),
    ledgerHead: new Gauge({
      name: 'cortex_ledger_head_seq',
      help: 'Sequence number of the newest ledger entry.',
      registers: [registry],
    }),
    eventLoopLag: createEventLoopLag({ registry }),
  };
}

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Readiness as the health service reports it. */
  readonly ready: () => boolean;
}

/** `/metrics` for Prometheus, `/healthz` for liveness (the process answers), `/readyz` for readiness. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (path === '/healthz' || path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : options.port };
}
