import { getOption, type DescExtension, type DescMethod, type FileRegistry } from '@bufbuild/protobuf';
import { EmptyNamespace, Role as ProtoRole } from '@cortex/proto/cortex/v1/options';
import type { AccessRule, Role } from '../auth/index.js';
import { cortexMethods, rpcPath } from './descriptors.js';

const ROLE_OPTION = 'cortex.v1.required_role';
const EMPTY_NAMESPACE_OPTION = 'cortex.v1.empty_namespace';
/** The request field that names the namespace a call touches. */
const NAMESPACE_FIELD = 'namespace';

const ROLES: Readonly<Partial<Record<number, Role>>> = {
  [ProtoRole.ROLE_READ]: 'read',
  [ProtoRole.ROLE_WRITE]: 'write',
  [ProtoRole.ROLE_ADMIN]: 'admin',
};
const EMPTY: Readonly<Partial<Record<number, AccessRule['emptyNamespace']>>> = {
  [EmptyNamespace.EMPTY_NAMESPACE_UNSPECIFIED]: 'required',
  [EmptyNamespace.EMPTY_NAMESPACE_CALLER_NAMESPACES]: 'callerNamespaces',
  [EmptyNamespace.EMPTY_NAMESPACE_ADMIN]: 'admin',
};

/** How each cortex.v1 RPC is guarded, by gRPC path, as proto/ declares it (options.proto). */
export function accessRules(registry: FileRegistry): ReadonlyMap<string, AccessRule> {
  const role = extension(registry, ROLE_OPTION);
  const empty = extension(registry, EMPTY_NAMESPACE_OPTION);
  return new Map(cortexMethods(registry).map((method) => [rpcPath(method), accessRule(method, role, empty)]));
}

function accessRule(method: DescMethod, role: DescExtension, empty: DescExtension): AccessRule {
  const field = method.input.fields.find((f) => f.name === NAMESPACE_FIELD);
  return {
    role: ROLES[getOption(method, role) as number],
    namespaced: field?.fieldKind === 'scalar',
    // An unknown value (a newer proto than this server) is the strictest reading.
    emptyNamespace: EMPTY[getOption(method, empty) as number] ?? 'admin',
  };
}

function extension(registry: FileRegistry, name: string): DescExtension {
  const found = registry.getExtension(name);
  if (found === undefined) throw new Error(`the API descriptors lack the ${name} option`);
  return found;
}

/** The namespace a request names ('' when empty), or undefined for RPCs whose requests name none. */
export function requestNamespace(rule: AccessRule, message: unknown): string | undefined {
  if (!rule.namespaced) return undefined;
  const value = (message as Record<string, unknown> | null)?.[NAMESPACE_FIELD];
  return typeof value === 'string' ? value : '';
}
