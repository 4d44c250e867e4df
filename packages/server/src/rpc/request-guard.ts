import type { DescMessage, Registry } from '@bufbuild/protobuf';
import type {
  MethodDefinition,
  sendUnaryData,
  Server,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { ErrorReason } from '../error-reasons.js';
import { CortexError, errorMessage, invalidArgument } from '../errors.js';
import { toStatus } from './status.js';
import { checkWire, type WireProblem } from './wire-check.js';

/**
 * What a method's deserializer hands its handler instead of a request it could not accept. It
 * must not throw: grpc-js answers any exception from a deserializer with INTERNAL
 * "Error deserializing request", whatever the client sent.
 */
class RejectedRequest {
  constructor(readonly error: CortexError) {}
}

/**
 * Registers services so that no request bytes can make a call fail with INTERNAL. Each method's
 * deserializer first runs the wire check (wire-check.ts) along the request's descriptor from the
 * descriptor set, and only then the generated decoder; a request that fails the check reaches the
 * wrapped handler as a RejectedRequest, answered with INVALID_ARGUMENT naming the field.
 *
 * Why this design: the generated code keeps `forceLong=number`, so the TypeScript types that
 * @cortex/client users see stay plain numbers and Dates, and the cost of checking falls on the
 * server only, in one place, for every service. The alternatives were worse: `forceLong=bigint`
 * or `long` changes every int64 in the client's API, and catching the decoder's exception
 * leaves no field to name (and would let timestamps out of range and `__proto__` map keys, which
 * the decoder accepts silently, through).
 *
 * Returns the one method of Server the registration needs, so libraries that register their own
 * service (grpc-health-check) can be given it too.
 */
export function guardRequests(server: Server, registry: Registry): Pick<Server, 'addService'> {
  return {
    addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void {
      const guardedDefinition: Record<string, MethodDefinition<unknown, unknown>> = {};
      const guardedImplementation: UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(definition)) {
        const handler = implementation[name] ?? (typeof method.originalName === 'string' ? implementation[method.originalName] : undefined);
        if (handler === undefined) throw new Error(`no handler for ${method.path}`);
        const schema = requestSchema(registry, method);
        guardedDefinition[name] = { ...method, requestDeserialize: (bytes: Buffer) => deserialize(schema, method, bytes) };
        guardedImplementation[name] = guardHandler(method, handler);
      }
      server.addService(guardedDefinition, guardedImplementation);
    },
  };
}

function deserialize(schema: DescMessage, method: MethodDefinition<unknown, unknown>, bytes: Buffer): unknown {
  const problems = checkWire(schema, bytes);
  if (problems.length > 0) return new RejectedRequest(rejection(schema, problems));
  try {
    return method.requestDeserialize(bytes);
  } catch (thrown: unknown) {
    // Not expected once the wire check passed; still the client's bytes, never an INTERNAL.
    return new RejectedRequest(rejection(schema, [{ field: undefined, description: `is not a valid encoding (${errorMessage(thrown)})`, malformed: true }]));
  }
}

function guardHandler(method: MethodDefinition<unknown, unknown>, handler: UntypedHandleCall): UntypedHandleCall {
  if (method.requestStream) throw new Error(`${method.path}: client-streaming methods are not guarded yet`);
  if (method.responseStream) {
    const stream = handler as (call: ServerWritableStream<unknown, unknown>) => void;
    return (call: ServerWritableStream<unknown, unknown>) => {
      if (call.request instanceof RejectedRequest) call.emit('error', toStatus(call.request.error));
      else stream(call);
    };
  }
  const unary = handler as (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    if (call.request instanceof RejectedRequest) callback(toStatus(call.request.error));
    else unary(call, callback);
  };
}

/** Value problems are ordinary field violations; broken encodings get their own reason. */
function rejection(schema: DescMessage, problems: readonly WireProblem[]): CortexError {
  const violations = problems.flatMap((p) => (p.field === undefined ? [] : [{ field: p.field, description: p.description }]));
  if (!problems.some((p) => p.malformed)) return invalidArgument(violations);
  const summary = problems.map((p) => `${p.field ?? 'the request'} ${p.description}`).join('; ');
  return new CortexError('INVALID_ARGUMENT', `malformed ${schema.typeName}: ${summary}`, {
    reason: ErrorReason.MALFORMED_REQUEST,
    fieldViolations: violations,
  });
}

/** The request message of a method, found by its path (`/package.Service/Method`). */
function requestSchema(registry: Registry, method: MethodDefinition<unknown, unknown>): DescMessage {
  const [, serviceName = '', methodName = ''] = method.path.split('/');
  const schema = registry.getService(serviceName)?.methods.find((m) => m.name === methodName)?.input;
  if (schema === undefined) throw new Error(`${method.path} is not in the descriptor set`);
  return schema;
}
