import { resolve } from 'node:path';

/** A key from CORTEX_API_KEYS (development): `principal:token[:roles[:namespaces]]`. */
export interface EnvApiKey {
  readonly principal: string;
  readonly token: string;
  /** Absent: every role (admin). */
  readonly roles?: readonly string[];
  readonly namespaces?: readonly string[];
}

export interface AuthConfig {
  /** When false every caller is "anonymous" and may do everything (development only). */
  readonly enabled: boolean;
  /** CORTEX_API_KEYS_FILE: keys with principals, roles and namespaces, token hashes only. */
  readonly keysFile: string | undefined;
  readonly envKeys: readonly EnvApiKey[];
}

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Set: mutual TLS, every client presents a certificate this CA issued. */
  readonly clientCaFile: string | undefined;
}

export interface SecurityConfig {
  readonly auth: AuthConfig;
  readonly tls: TlsConfig | undefined;
  /** The operator says TLS ends at a proxy in front, so plaintext here is intended. */
  readonly tlsTerminatedByProxy: boolean;
}

/** Reads the auth and TLS variables; production refuses to run without auth or in plaintext. */
export function loadSecurityConfig(env: NodeJS.ProcessEnv, production: boolean, problems: string[]): SecurityConfig {
  const envKeys = parseEnvKeys(env.CORTEX_API_KEYS ?? '', problems);
  const keysFile = env.CORTEX_API_KEYS_FILE ? resolve(env.CORTEX_API_KEYS_FILE) : undefined;
  const haveKeys = envKeys.length > 0 || keysFile !== undefined;
  const authMode = env.CORTEX_AUTH ?? (haveKeys ? 'token' : 'off');
  if (authMode !== 'off' && authMode !== 'token') problems.push(`CORTEX_AUTH=${authMode} must be "off" or "token"`);
  const enabled = authMode === 'token';
  if (enabled && !haveKeys) problems.push('CORTEX_AUTH=token needs CORTEX_API_KEYS_FILE or CORTEX_API_KEYS');

  const tls = tlsConfig(env, problems);
  const proxy = env.CORTEX_TLS_TERMINATED_BY_PROXY ?? 'false';
  if (proxy !== 'true' && proxy !== 'false') problems.push(`CORTEX_TLS_TERMINATED_BY_PROXY=${proxy} must be "true" or "false"`);
  const tlsTerminatedByProxy = proxy === 'true';
  if (production) {
    if (!enabled) problems.push('CORTEX_ENV=production requires auth: set CORTEX_API_KEYS_FILE (or CORTEX_API_KEYS)');
    if (tls === undefined && !tlsTerminatedByProxy) {
      problems.push('CORTEX_ENV=production refuses plaintext: set CORTEX_TLS_CERT and CORTEX_TLS_KEY, or CORTEX_TLS_TERMINATED_BY_PROXY=true when a proxy in front ends TLS');
    }
  }
  return { auth: { enabled, keysFile, envKeys }, tls, tlsTerminatedByProxy };
}

function tlsConfig(env: NodeJS.ProcessEnv, problems: string[]): TlsConfig | undefined {
  const cert = env.CORTEX_TLS_CERT ?? '';
  const key = env.CORTEX_TLS_KEY ?? '';
  const clientCa = env.CORTEX_TLS_CLIENT_CA ?? '';
  if (cert === '' && key === '') {
    if (clientCa !== '') problems.push('CORTEX_TLS_CLIENT_CA needs CORTEX_TLS_CERT and CORTEX_TLS_KEY');
    return undefined;
  }
  if (cert === '' || key === '') {
    problems.push('CORTEX_TLS_CERT and CORTEX_TLS_KEY must be set together');
    return undefined;
  }
  return { certFile: resolve(cert), keyFile: resolve(key), clientCaFile: clientCa === '' ? undefined : resolve(clientCa) };
}

/**
 * `principal:token` (every role on every namespace), or `principal:token:roles:namespaces` with
 * roles and namespaces each joined by "+", e.g. `bob:<token>:read+write:team-b/*+shared`.
 */
function parseEnvKeys(raw: string, problems: string[]): EnvApiKey[] {
  const keys: EnvApiKey[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [principal = '', token = '', roles, namespaces, ...rest] = entry.split(':');
    if (principal === '' || token.length < 16 || rest.length > 0 || (roles !== undefined && namespaces === undefined && !roles.includes('admin'))) {
      problems.push(
        `CORTEX_API_KEYS entry "${principal || entry.slice(0, 8)}…" must be principal:token (a token of at least 16 characters) or principal:token:roles:namespaces`,
      );
      continue;
    }
    keys.push({
      principal,
      token,
      ...(roles === undefined ? {} : { roles: roles.split('+') }),
      ...(namespaces === undefined ? {} : { namespaces: namespaces.split('+') }),
    });
  }
  return keys;
}
