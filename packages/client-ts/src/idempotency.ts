import { getOption, type DescExtension, type DescField, type DescMessage, type DescMethod, type FileRegistry } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { cortexServices, rpcPath } from './api.js';
import type { Idempotency } from './retry.js';

/** How safe one request is to repeat. */
export type IdempotencyOf = (request: object) => Idempotency;

const CONDITION_OPTION = 'cortex.v1.idempotent_when_set';

/**
 * How safe each cortex.v1 RPC is to repeat, by gRPC path, as proto/ declares it (the rule is
 * documented in proto/cortex/v1/options.proto): `idempotency_level` NO_SIDE_EFFECTS is a read,
 * IDEMPOTENT a repeatable write; otherwise the request must meet `(cortex.v1.idempotent_when_set)`,
 * or it is never repeated.
 */
export function idempotencyTable(api: FileRegistry): ReadonlyMap<string, IdempotencyOf> {
  const condition = api.getExtension(CONDITION_OPTION);
  if (condition === undefined) throw new Error(`the API descriptors lack the ${CONDITION_OPTION} option`);
  return new Map(cortexServices(api).flatMap((service) => service.methods.map((m) => [rpcPath(m), methodIdempotency(m, condition)])));
}

function methodIdempotency(method: DescMethod, condition: DescExtension): IdempotencyOf {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS) return () => 'read';
  if (method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT) return () => 'idempotent';
  const paths = getOption(method, condition) as string[];
  if (paths.length === 0) return () => 'unsafe';
  const checks = paths.map((path) => whenSet(method.input, path));
  return (request) => (checks.every((isSet) => isSet(request)) ? 'idempotent' : 'unsafe');
}

/**
 * A test of whether a field path ("memories.id") is set in a message of type `message`, as
 * options.proto defines it. Throws when the path names no field, so a bad option fails at once.
 */
export function whenSet(message: DescMessage, path: string): (value: object) => boolean {
  const [name = '', ...rest] = path.split('.');
  const field = message.fields.find((f) => f.name === name);
  if (field === undefined) throw new Error(`${CONDITION_OPTION} "${path}": ${message.typeName} has no field "${name}"`);
  const read = (value: object): unknown => (value as Record<string, unknown>)[field.localName];
  if (rest.length === 0) return (value) => isSet(field, read(value));
  if (field.fieldKind === 'map' || field.message === undefined) {
    throw new Error(`${CONDITION_OPTION} "${path}": ${message.typeName}.${name} holds no message to look into`);
  }
  const inner = whenSet(field.message, rest.join('.'));
  if (field.fieldKind === 'list') {
    return (value) => {
      const items = read(value) as object[];
      return items.length > 0 && items.every(inner);
    };
  }
  return (value) => {
    const item = read(value);
    return item !== undefined && inner(item as object);
  };
}

/** Whether a field holds a non-default value (ts-proto's representation of it). */
function isSet(field: DescField, value: unknown): boolean {
  if (value === undefined) return false;
  if (field.fieldKind === 'list' || typeof value === 'string' || value instanceof Uint8Array) return (value as ArrayLike<unknown>).length > 0;
  if (field.fieldKind === 'map') return Object.keys(value as object).length > 0;
  if (field.fieldKind === 'message') return true;
  return value !== 0 && value !== false;
}
