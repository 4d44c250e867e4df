import { expect } from 'chai';
import { NAMESPACE_PATTERN, NamespaceScope } from './namespaces.js';

describe('namespaces', () => {
  it('accepts names made of segments joined by "/", and nothing that could escape a tree', () => {
    for (const name of ['demo', 'team-a', 'team-a/prod', 'a.b_c-d/e1/f2', 'x'.repeat(64)]) expect(NAMESPACE_PATTERN.test(name), name).to.equal(true);
    for (const name of ['', '/a', 'a/', 'a//b', 'a/../b', 'a/.hidden', '-a', 'has space', 'a*', 'x'.repeat(65)]) {
      expect(NAMESPACE_PATTERN.test(name), name).to.equal(false);
    }
  });

  it('grants exact names, whole trees with "<name>/*", and every namespace with "*"', () => {
    const scope = NamespaceScope.parse(['shared', 'team-a/*']);
    expect(['shared', 'team-a/prod', 'team-a/prod/eu'].map((ns) => scope.covers(ns))).to.deep.equal([true, true, true]);
    expect(['team-a', 'team-ab/prod', 'shared/sub', 'team-b'].map((ns) => scope.covers(ns))).to.deep.equal([false, false, false, false]);
    const all = NamespaceScope.parse(['*']);
    expect(all.covers('anything/at/all')).to.equal(true);
    expect(all.all).to.equal(true);
  });

  it('keeps server-wide entries (empty namespace) for admin keys alone', () => {
    expect(NamespaceScope.parse(['*']).covers('')).to.equal(false);
    expect(NamespaceScope.EVERYTHING.covers('')).to.equal(true);
  });

  it('refuses grants that are not a name, "<name>/*" or "*"', () => {
    expect(() => NamespaceScope.parse(['team-*'])).to.throw(/"team-\*"/);
    expect(() => NamespaceScope.parse(['team-a/*/x', '/*'])).to.throw(/"team-a\/\*\/x", "\/\*"/);
  });
});
