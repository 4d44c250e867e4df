/** Paths of a PEM certificate and its private key. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  /** Path of the CA certificate (PEM). */
  readonly ca: string;
  /** A certificate for a server (serverAuth) or, with client, for a client (clientAuth); san like "IP:127.0.0.1", "URI:spiffe://x". */
  issue(name: string, options: { cn: string; san?: string[]; client?: boolean }): Issued;
  close(): void;
}

export function createTestPki(label?: string): TestPki;
