import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type ServerInterceptor, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { AgentServiceService, type AgentServiceServer } from '../gen/cortex/v1/agent_service.js';
import { ContextServiceService } from '../gen/cortex/v1/context_service.js';
import { LedgerServiceService } from '../gen/cortex/v1/ledger_service.js';
import { MemoryServiceService, type MemoryServiceServer } from '../gen/cortex/v1/memory_service.js';
import type { HealthMonitor } from './health.js';
import { markInvalidUtf8OnDecode } from './utf8.js';

export const SERVICE_NAMES = [
  'cortex.v1.MemoryService',
  'cortex.v1.ContextService',
  'cortex.v1.LedgerService',
  'cortex.v1.AgentService',
] as const;

export interface GrpcServerDeps {
  readonly memory: MemoryServiceServer;
  readonly agent: AgentServiceServer;
  /** Services of later milestones; methods they lack answer UNIMPLEMENTED. */
  readonly context?: UntypedServiceImplementation;
  readonly ledger?: UntypedServiceImplementation;
  readonly healthMonitor: HealthMonitor;
  readonly interceptor: ServerInterceptor;
}

const DESCRIPTOR_SET = new URL('../gen/cortex.binpb', import.meta.url);

export function createGrpcServer(deps: GrpcServerDeps): Server {
  markInvalidUtf8OnDecode();
  const server = new Server({
    interceptors: [deps.interceptor],
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
  });
  server.addService(MemoryServiceService, deps.memory);
  server.addService(AgentServiceService, deps.agent);
  server.addService(ContextServiceService, deps.context ?? {});
  server.addService(LedgerServiceService, deps.ledger ?? {});
  deps.healthMonitor.health.addToServer(server);
  // Reflection serves the descriptors `buf build` wrote, comments included, so grpcurl
  // `describe` shows the API docs without any .proto files on the operator's machine.
  const descriptors = loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET));
  new ReflectionService(descriptors).addToServer(server);
  return server;
}

export function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}
