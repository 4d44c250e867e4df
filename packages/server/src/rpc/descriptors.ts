import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

export interface Descriptors {
  /** The FileDescriptorSet `buf build` wrote, comments included. */
  readonly bytes: Buffer;
  /** The same, as protobuf-es descriptors. */
  readonly registry: FileRegistry;
}

/**
 * The API's descriptor set from @cortex/proto: Cortex's services, their imports and grpc.health,
 * options included (each RPC's required role is read from it).
 */
export function loadDescriptors(): Descriptors {
  const bytes = readFileSync(new URL(import.meta.resolve('@cortex/proto/cortex.binpb')));
  return { bytes, registry: createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)) };
}

/** Every method of every cortex.v1 service. */
export function cortexMethods(registry: FileRegistry): DescMethod[] {
  return [...registry]
    .filter((d): d is DescService => d.kind === 'service' && d.typeName.startsWith('cortex.v1.'))
    .flatMap((service) => service.methods);
}

/** The gRPC path of a method, e.g. `/cortex.v1.MemoryService/Remember`. */
export function rpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}
