import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

/**
 * The API exactly as proto/ declares it, comments and options included: the descriptor set
 * `buf build` wrote into @cortex/proto. Reflection serves it; the authorization table is read
 * from it.
 */
export const DESCRIPTOR_SET: Uint8Array = readFileSync(new URL(import.meta.resolve('@cortex/proto/cortex.binpb')));

export function cortexRegistry(): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, DESCRIPTOR_SET));
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
