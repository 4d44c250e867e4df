import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type DescMethod, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

const DESCRIPTOR_SET = new URL(import.meta.resolve('@cortex/proto/cortex.binpb'));

let api: FileRegistry | undefined;

/**
 * The API exactly as proto/ declares it, options included: the descriptor set @cortex/proto
 * ships. Decoded once per process, on first use.
 */
export function cortexApi(): FileRegistry {
  api ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET)));
  return api;
}

/** Every service of the cortex.v1 package. */
export function cortexServices(registry: FileRegistry): DescService[] {
  return [...registry].filter((d): d is DescService => d.kind === 'service' && d.typeName.startsWith('cortex.v1.'));
}

/** The gRPC path of a method, e.g. `/cortex.v1.MemoryService/Remember`. */
export function rpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}
