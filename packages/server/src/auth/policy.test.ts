import { expect } from 'chai';
import { NamespaceScope } from './namespaces.js';
import { authorize, type AccessRule, type Principal, type Role } from './policy.js';

const key = (roles: Role[], grants: string[]): Principal => ({
  name: 'k',
  roles: new Set(roles),
  namespaces: roles.includes('admin') ? NamespaceScope.EVERYTHING : NamespaceScope.parse(grants),
});
const rule = (role: AccessRule['role'], emptyNamespace: AccessRule['emptyNamespace'] = 'required', namespaced = true): AccessRule => ({ role, namespaced, emptyNamespace });

describe('authorization policy', () => {
  it('refuses an RPC that declares no role to every key, admin included', () => {
    expect(authorize(key(['admin'], []), rule(undefined), 'a')?.reason).to.equal('RPC_NOT_DECLARED');
    expect(authorize(key(['admin'], []), undefined, undefined)?.reason).to.equal('RPC_NOT_DECLARED');
  });

  it('needs the declared role; roles do not imply each other, admin holds them all', () => {
    expect(authorize(key(['write'], ['a']), rule('read'), 'a')).to.deep.include({ reason: 'ROLE_REQUIRED', metadata: { requiredRole: 'read' } });
    expect(authorize(key(['read'], ['a']), rule('write'), 'a')?.reason).to.equal('ROLE_REQUIRED');
    expect(authorize(key(['read', 'write'], ['a']), rule('admin'), 'a')?.reason).to.equal('ROLE_REQUIRED');
    expect(authorize(key(['admin'], []), rule('write'), 'anything')).to.equal(undefined);
  });

  it('needs the namespace the request names, by the request alone', () => {
    expect(authorize(key(['read'], ['team-a/*']), rule('read'), 'team-a/x')).to.equal(undefined);
    expect(authorize(key(['read'], ['team-a/*']), rule('read'), 'team-b')).to.deep.include({ reason: 'NAMESPACE_NOT_ALLOWED', metadata: { namespace: 'team-b' } });
    expect(authorize(key(['read'], ['team-a/*']), rule('read', 'required', false), undefined)).to.equal(undefined);
  });

  it('reads an empty namespace as the RPC declares: for validation, filtered to the key, or admin only', () => {
    const tenant = key(['read', 'write'], ['*']);
    expect(authorize(tenant, rule('read', 'required'), '')).to.equal(undefined);
    expect(authorize(tenant, rule('read', 'callerNamespaces'), '')).to.equal(undefined);
    expect(authorize(tenant, rule('write', 'admin'), '')?.reason).to.equal('ADMIN_REQUIRED');
    expect(authorize(key(['admin'], []), rule('write', 'admin'), '')).to.equal(undefined);
  });
});
