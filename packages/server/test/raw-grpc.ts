import { create, toBinary, type DescMessage, type DescMethod, type MessageInitShape } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';
import { loadDescriptors } from '../src/rpc/descriptors.js';

/**
 * Requests as bytes, for tests that must send what no typed client would: int64 beyond 2^53,
 * timestamps out of range, `__proto__` map keys, broken encodings. Messages are built with
 * protobuf-es from the descriptor set the server serves (int64 as bigint), and sent through a
 * generic grpc-js client with identity serializers.
 */
export const REGISTRY = loadDescriptors().registry;

/** Every RPC in the descriptor set, Cortex's and the health service's. */
export const METHODS: readonly DescMethod[] = [...REGISTRY].flatMap((type) => (type.kind === 'service' ? type.methods : []));

export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

export function findMethod(path: string): DescMethod {
  const method = METHODS.find((m) => methodPath(m) === path);
  if (method === undefined) throw new Error(`no RPC ${path} in the descriptor set`);
  return method;
}

/** Encodes a request given as a protobuf-es init object (proto field names in localName form). */
export function encode<Desc extends DescMessage>(schema: Desc, init: MessageInitShape<Desc>): Buffer {
  return Buffer.from(toBinary(schema, create(schema, init)));
}

export interface RawOutcome {
  readonly code: GrpcStatus;
  readonly details: string;
  readonly reason: string;
  readonly fieldViolations: ReadonlyArray<{ field: string; description: string }>;
  readonly errorMetadata: Readonly<Record<string, string>>;
  /** The response bytes of a successful unary call; the messages received on a stream. */
  readonly messages: readonly Buffer[];
}

const identity = (bytes: Buffer): Buffer => bytes;

export class RawClient {
  private readonly client: Client;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure());
  }

  /**
   * Sends bytes to any RPC. A server stream is read for `streamMs` and then cancelled (Subscribe
   * follows the live tail for ever), so a CANCELLED outcome means the stream was still healthy.
   */
  call(method: DescMethod, bytes: Buffer, { deadlineMs = 30_000, streamMs = 300 } = {}): Promise<RawOutcome> {
    const options = { deadline: Date.now() + deadlineMs };
    const path = methodPath(method);
    if (method.methodKind === 'server_streaming') {
      return new Promise((resolve) => {
        const messages: Buffer[] = [];
        const stream = this.client.makeServerStreamRequest(path, identity, identity, bytes, new Metadata(), options);
        const timer = setTimeout(() => stream.cancel(), streamMs);
        stream.on('data', (message: Buffer) => messages.push(message));
        stream.on('error', () => undefined); // the outcome is read from 'status'
        stream.on('status', (s) => {
          clearTimeout(timer);
          resolve({ ...decodeStatus(s.code, s.details, s.metadata), messages });
        });
      });
    }
    return new Promise((resolve) => {
      const done = (error: ServiceError | null, response?: Buffer) => {
        if (error) resolve({ ...decodeStatus(error.code, error.details, error.metadata), messages: [] });
        else resolve({ ...decodeStatus(GrpcStatus.OK, '', new Metadata()), messages: response ? [response] : [] });
      };
      this.client.makeUnaryRequest(path, identity, identity, bytes, new Metadata(), options, done);
    });
  }

  close(): void {
    this.client.close();
  }
}

function decodeStatus(code: GrpcStatus, details: string, metadata: Metadata): Omit<RawOutcome, 'messages'> {
  const raw = metadata.get('grpc-status-details-bin')[0];
  let reason = '';
  let errorMetadata: Record<string, string> = {};
  const fieldViolations: Array<{ field: string; description: string }> = [];
  if (raw instanceof Buffer) {
    for (const detail of Status.decode(raw).details) {
      if (detail.typeUrl.endsWith('/google.rpc.ErrorInfo')) {
        const info = ErrorInfo.decode(detail.value);
        reason = info.reason;
        errorMetadata = info.metadata;
      } else if (detail.typeUrl.endsWith('/google.rpc.BadRequest')) {
        const { fieldViolations: violations } = BadRequest.decode(detail.value);
        fieldViolations.push(...violations.map((v) => ({ field: v.field, description: v.description })));
      }
    }
  }
  return { code, details, reason, fieldViolations, errorMetadata };
}

export function codeName(code: GrpcStatus): string {
  return GrpcStatus[code];
}
