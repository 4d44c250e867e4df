import { NamespaceScope } from './namespaces.js';

/** What a key may do in its namespaces; admin holds every role in every namespace. */
export type Role = 'read' | 'write' | 'admin';
export const ROLES: readonly Role[] = ['read', 'write', 'admin'];

/** Who is calling, once authenticated. */
export interface Principal {
  /** The ledger actor of everything the call writes. */
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly namespaces: NamespaceScope;
}

/** Every caller when the server runs without auth: it may do everything, as "anonymous". */
export const ANONYMOUS: Principal = { name: 'anonymous', roles: new Set(['admin']), namespaces: NamespaceScope.EVERYTHING };

/**
 * How one RPC is guarded, as its proto declares it (options.proto): the role it needs, whether
 * its request names a namespace, and what an empty namespace reaches.
 */
export interface AccessRule {
  /** undefined: the RPC declares none, and is refused to everyone. */
  readonly role: Role | undefined;
  readonly namespaced: boolean;
  /**
   * required: validation refuses an empty namespace; callerNamespaces: the answer is filtered to
   * the key's namespaces; admin: every namespace or the server itself, admin keys only.
   */
  readonly emptyNamespace: 'required' | 'callerNamespaces' | 'admin';
}

/** Why a call is refused; the reason is sent as ErrorInfo.reason and counted in metrics. */
export interface Denial {
  readonly reason: 'RPC_NOT_DECLARED' | 'ROLE_REQUIRED' | 'NAMESPACE_NOT_ALLOWED' | 'ADMIN_REQUIRED';
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export function holdsRole(principal: Principal, role: Role): boolean {
  return principal.roles.has(role) || principal.roles.has('admin');
}

/**
 * Deny by default: the call goes ahead only when the RPC declares a role, the key holds it, and
 * the key holds the namespace the request names. The decision depends on the key and the request
 * alone, never on what is stored, so a refusal says nothing about whether a namespace or an item
 * exists.
 */
export function authorize(principal: Principal, rule: AccessRule | undefined, namespace: string | undefined): Denial | undefined {
  if (rule?.role === undefined) {
    return { reason: 'RPC_NOT_DECLARED', message: 'this RPC declares no required role, so no key may call it', metadata: {} };
  }
  if (!holdsRole(principal, rule.role)) {
    return { reason: 'ROLE_REQUIRED', message: `this call needs the "${rule.role}" role`, metadata: { requiredRole: rule.role } };
  }
  if (!rule.namespaced || namespace === undefined) return undefined;
  if (namespace === '') {
    if (rule.emptyNamespace !== 'admin' || principal.namespaces.serverWide) return undefined;
    return { reason: 'ADMIN_REQUIRED', message: 'without a namespace this call reaches every namespace: it needs an admin key', metadata: {} };
  }
  if (principal.namespaces.covers(namespace)) return undefined;
  return {
    reason: 'NAMESPACE_NOT_ALLOWED',
    message: `this API key does not hold namespace "${namespace}"`,
    metadata: { namespace },
  };
}
