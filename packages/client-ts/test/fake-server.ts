import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface FakeServer {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * An in-process gRPC server with hand-written handlers for a few methods (the rest answer
 * UNIMPLEMENTED): for client behaviour the real server cannot be made to show on demand,
 * such as rate limiting or a stream that stays open.
 */
export async function startFakeServer(
  service: ServiceDefinition,
  handlers: Partial<UntypedServiceImplementation>,
  at: { readonly host?: string; readonly port?: number } = {},
): Promise<FakeServer> {
  const server = new Server();
  server.addService(service, handlers as UntypedServiceImplementation);
  const host = at.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${at.port ?? 0}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    address: `${host}:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
