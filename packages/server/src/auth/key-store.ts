import { timingSafeEqual } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import type { Logger } from 'winston';
import type { EnvApiKey } from '../config/index.js';
import type { BackgroundJob } from '../jobs/index.js';
import { KeyFileError, readKeyFile } from './key-file.js';
import { loadKeys, sha256, type ApiKey, type LoadedKey } from './keys.js';
import type { Principal } from './policy.js';

export interface KeyStoreDeps {
  /** CORTEX_API_KEYS_FILE; reloaded on change and on reload(). */
  readonly file: string | undefined;
  /** CORTEX_API_KEYS (development): every role on every namespace unless the entry says otherwise. */
  readonly envKeys: readonly EnvApiKey[];
  readonly logger: Logger;
  /** How often the file's metadata is polled for changes. */
  readonly pollMs?: number;
}

/** The keys in force; watching the file is its job (start/stop). */
export interface KeyStore extends BackgroundJob {
  byToken(token: string): Principal | undefined;
  /** The principal a verified client certificate maps to, if a key names it. */
  byCertificate(certificate: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): Principal | undefined;
  /**
   * Re-reads the key file (after any reload already running, so it sees the file as it is now);
   * on any problem keeps the keys in force, logs why and resolves false.
   */
  reload(): Promise<boolean>;
  readonly size: number;
}

/** Loads the keys; throws KeyFileError naming every problem, so a bad file stops start-up. */
export async function openKeyStore({ file, envKeys, logger, pollMs = 1000 }: KeyStoreDeps): Promise<KeyStore> {
  const fromEnv = envKeys.map(envApiKey);
  const load = async (): Promise<LoadedKey[]> => {
    const { keys, problems } = loadKeys([...fromEnv, ...(file === undefined ? [] : await readKeyFile(file))]);
    if (problems.length > 0) throw new KeyFileError(`${file ?? 'CORTEX_API_KEYS'}: ${problems.join('; ')}`);
    return keys;
  };
  let keys = await load();
  let queue: Promise<unknown> = Promise.resolve();

  const reload = async (trigger: string): Promise<boolean> => {
    try {
      const next = await load();
      keys = next;
      logger.info('API keys reloaded', { file, keys: next.length, trigger });
      return true;
    } catch (error: unknown) {
      logger.error('API key file rejected: the keys loaded before stay in force', { file, error: (error as Error).message, trigger });
      return false;
    }
  };
  // One reload at a time, each after the one before, so none ends on an older read of the file.
  const enqueue = (trigger: string): Promise<boolean> => {
    const next = queue.then(() => reload(trigger));
    queue = next;
    return next;
  };
  const onChange = () => void enqueue('file change');

  return {
    get size() {
      return keys.length;
    },
    byToken(token) {
      const presented = sha256(token);
      let found: LoadedKey | undefined;
      // Every hash is compared, in constant time, so timing says nothing about which key is close.
      for (const key of keys) {
        if (key.tokenSha256 !== undefined && timingSafeEqual(presented, key.tokenSha256) && found === undefined) found = key;
      }
      return found?.principal;
    },
    byCertificate(certificate) {
      const identities = certificateIdentities(certificate);
      return keys.find((key) => key.certificate !== undefined && identities.includes(key.certificate))?.principal;
    },
    reload: () => enqueue('requested'),
    start() {
      if (file !== undefined) watchFile(file, { interval: pollMs, persistent: false }, onChange);
    },
    async stop() {
      if (file !== undefined) unwatchFile(file, onChange);
      await queue;
    },
  };
}

/** "CN=<common name>" plus each subject alternative name as Node spells it ("DNS:x", "URI:y", "email:z"). */
export function certificateIdentities(certificate: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  // Node gives an array when the subject holds several CNs.
  const { CN: cn } = certificate.subject as { CN?: string | string[] };
  const names = (Array.isArray(cn) ? cn : cn === undefined ? [] : [cn]).map((name) => `CN=${name}`);
  const alternatives = (certificate.subjectaltname ?? '').split(', ').filter((name) => name !== '');
  return [...names, ...alternatives];
}

function envApiKey(key: EnvApiKey, index: number): ApiKey {
  const roles = (key.roles ?? ['admin']) as ApiKey['roles'];
  return {
    id: `env-${index + 1}`,
    principal: key.principal,
    roles,
    ...(key.namespaces === undefined ? {} : { namespaces: key.namespaces }),
    tokenSha256: sha256(key.token).toString('hex'),
  };
}
