import { Server, type ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ReflectionService } from '@grpc/reflection';
import { AgentServiceService, type AgentServiceServer } from '@cortex/proto/cortex/v1/agent_service';
import { ContextServiceService, type ContextServiceServer } from '@cortex/proto/cortex/v1/context_service';
import type { LedgerServiceServer } from '@cortex/proto/cortex/v1/ledger_service';
import { MemoryServiceService, type MemoryServiceServer } from '@cortex/proto/cortex/v1/memory_service';
import type { Descriptors } from './descriptors.js';
import type { HealthMonitor } from './health.js';
import { LEDGER_SERVICE_DEFINITION } from './ledger-service.js';
import { guardRequests } from './request-guard.js';
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
  readonly context: ContextServiceServer;
  readonly ledger: LedgerServiceServer;
  readonly healthMonitor: HealthMonitor;
  readonly interceptor: ServerInterceptor;
  /** The API's descriptor set: reflection serves it, the request guard checks against it. */
  readonly descriptors: Descriptors;
}

export function createGrpcServer(deps: GrpcServerDeps): Server {
  markInvalidUtf8OnDecode();
  const server = new Server({
    interceptors: [deps.interceptor],
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const { descriptors } = deps;
  const guarded = guardRequests(server, descriptors.registry);
  guarded.addService(MemoryServiceService, deps.memory);
  guarded.addService(AgentServiceService, deps.agent);
  guarded.addService(ContextServiceService, deps.context);
  guarded.addService(LEDGER_SERVICE_DEFINITION, deps.ledger);
  // The health service registers itself; handing it the guarded registration is all it needs.
  deps.healthMonitor.addToServer(guarded);
  // Reflection serves the descriptors `buf build` wrote, comments included, so grpcurl
  // `describe` shows the API docs without any .proto files on the operator's machine.
  new ReflectionService(descriptorPackage(descriptors.bytes)).addToServer(server);
  return server;
}

export function bind(server: Server, host: string, port: number, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}

/**
 * The FileDescriptorSet's files exactly as buf wrote them. Going through proto-loader instead
 * re-serialises them via protobufjs, which loses the well-known-type imports and makes
 * grpcurl fail on google.protobuf.Timestamp (grpc/grpc-node#2958).
 */
function descriptorPackage(descriptorSet: Uint8Array): PackageDefinition {
  const reader = new BinaryReader(descriptorSet);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes());
    else reader.skip(wireType);
  }
  return { 'cortex.descriptors': { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos: files } } as unknown as PackageDefinition;
}
