import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

export interface Descriptors {
  /** The FileDescriptorSet `buf build` wrote, comments included. */
  readonly bytes: Buffer;
  /** The same, as protobuf-es descriptors. */
  readonly registry: FileRegistry;
}

/** The API's descriptor set from @cortex/proto: Cortex's services, their imports and grpc.health. */
export function loadDescriptors(): Descriptors {
  const bytes = readFileSync(new URL(import.meta.resolve('@cortex/proto/cortex.binpb')));
  return { bytes, registry: createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)) };
}
