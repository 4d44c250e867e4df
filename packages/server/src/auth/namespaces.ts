/**
 * Namespaces are the tenancy boundary. A name is 1-64 characters: segments of [A-Za-z0-9._-],
 * each starting with a letter or digit, joined by "/", so a tree of namespaces ("team-a/prod",
 * "team-a/staging") can be granted at once with the pattern "team-a/*".
 */
export const NAMESPACE_PATTERN = /^(?=.{1,64}$)[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
export const NAMESPACE_RULE = 'must be 1-64 characters: segments of [A-Za-z0-9._-] joined by "/", each starting with a letter or digit';

/** What may appear in a key's namespace list: a name, "<name>/*" (everything below it) or "*" (every namespace). */
export const NAMESPACE_GRANT_RULE = 'must be a namespace, "<namespace>/*" or "*"';

/** The namespaces one API key holds. Server-wide entries (empty namespace) belong to admin keys only. */
export class NamespaceScope {
  /** What an admin key holds: every namespace, and the server-wide ledger entries. */
  static readonly EVERYTHING = new NamespaceScope(['*'], true);

  /** Reads a key's namespace list; throws on a pattern that is not a name, "<name>/*" or "*". */
  static parse(grants: readonly string[]): NamespaceScope {
    const bad = grants.filter((grant) => !isGrant(grant));
    if (bad.length > 0) throw new Error(`namespace ${bad.map((g) => `"${g}"`).join(', ')} ${NAMESPACE_GRANT_RULE}`);
    return new NamespaceScope([...new Set(grants)], false);
  }

  private readonly names: ReadonlySet<string>;
  private readonly prefixes: readonly string[];
  /** Whether every namespace is held ("*" or admin). */
  readonly all: boolean;

  private constructor(
    readonly grants: readonly string[],
    /** Whether server-wide entries (empty namespace) are held: admin only. */
    readonly serverWide: boolean,
  ) {
    this.all = grants.includes('*');
    this.names = new Set(grants.filter((g) => !g.endsWith('*')));
    this.prefixes = grants.filter((g) => g.endsWith('/*')).map((g) => g.slice(0, -1));
  }

  covers(namespace: string): boolean {
    if (namespace === '') return this.serverWide;
    return this.all || this.names.has(namespace) || this.prefixes.some((prefix) => namespace.startsWith(prefix));
  }

  toString(): string {
    return this.serverWide ? '* (admin)' : this.grants.join(',');
  }
}

function isGrant(grant: string): boolean {
  if (grant === '*') return true;
  return NAMESPACE_PATTERN.test(grant.endsWith('/*') ? grant.slice(0, -2) : grant);
}
