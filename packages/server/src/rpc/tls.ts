import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ServerCredentials, experimental } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { TlsConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { BackgroundJob } from '../jobs/index.js';

type CertificateProvider = experimental.CertificateProvider;
type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/** The gRPC port's credentials, and the job that reloads certificates when their files change. */
export interface Transport {
  readonly credentials: ServerCredentials;
  /** Re-reads the certificate files; a bad set is logged and the one in use stays. */
  reload(): boolean;
  readonly watcher: BackgroundJob;
}

export interface TransportDeps {
  readonly tls: TlsConfig | undefined;
  readonly logger: Logger;
  /** How often the certificate files' metadata is polled for changes. */
  readonly pollMs?: number;
}

/**
 * Plaintext, TLS, or mutual TLS (CORTEX_TLS_CLIENT_CA: every client presents a certificate that
 * CA issued). Certificates are served through a grpc-js certificate provider, so a renewed
 * certificate applies to new connections without a restart. Throws at start when the files are
 * missing or do not match, so a misconfigured server never comes up.
 */
export function createTransport({ tls, logger, pollMs = 1000 }: TransportDeps): Transport {
  if (tls === undefined) {
    const idle: BackgroundJob = { start: () => undefined, stop: () => Promise.resolve() };
    return { credentials: ServerCredentials.createInsecure(), reload: () => true, watcher: idle };
  }
  const files = [tls.certFile, tls.keyFile, ...(tls.clientCaFile === undefined ? [] : [tls.clientCaFile])];
  const provider = new ReloadingCertificates(tls, logger);
  const onChange = () => provider.reload();
  const mutual = tls.clientCaFile !== undefined;
  return {
    // grpc-js names its first parameter the CA provider, but uses it for the identity (certificate and key).
    credentials: experimental.createCertificateProviderServerCredentials(provider, mutual ? provider : null, mutual),
    reload: () => provider.reload(),
    watcher: {
      start: () => files.forEach((file) => watchFile(file, { interval: pollMs, persistent: false }, onChange)),
      stop: () => {
        files.forEach((file) => unwatchFile(file, onChange));
        return Promise.resolve();
      },
    },
  };
}

/**
 * Serves the last certificate set that loaded and matched; a renewal half-written (certificate
 * without its key) is refused until it is whole.
 */
class ReloadingCertificates implements CertificateProvider {
  private identity: experimental.IdentityCertificateUpdate;
  private ca: experimental.CaCertificateUpdate | null;
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();

  constructor(
    private readonly tls: TlsConfig,
    private readonly logger: Logger,
  ) {
    ({ identity: this.identity, ca: this.ca } = this.read());
  }

  reload(): boolean {
    let next;
    try {
      next = this.read();
    } catch (error: unknown) {
      this.logger.error('TLS certificates rejected: the ones in use stay', { error: errorMessage(error), cert: this.tls.certFile });
      return false;
    }
    const same = next.identity.certificate.equals(this.identity.certificate) && next.identity.privateKey.equals(this.identity.privateKey);
    if (same && sameCa(next.ca, this.ca)) return true;
    ({ identity: this.identity, ca: this.ca } = next);
    for (const listener of this.identityListeners) listener(this.identity);
    for (const listener of this.caListeners) listener(this.ca);
    this.logger.info('TLS certificates reloaded', { cert: this.tls.certFile });
    return true;
  }

  // grpc-js subscribes before it starts watching its own credentials, so the first update must
  // arrive a moment later or the server would never see it.
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => listener(this.identity));
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => listener(this.ca));
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  /** Reads the files and proves they make a working context (the key matches the certificate). */
  private read() {
    const certificate = readFileSync(this.tls.certFile);
    const privateKey = readFileSync(this.tls.keyFile);
    const caCertificate = this.tls.clientCaFile === undefined ? undefined : readFileSync(this.tls.clientCaFile);
    createSecureContext({ cert: certificate, key: privateKey, ...(caCertificate ? { ca: caCertificate } : {}) });
    return { identity: { certificate, privateKey }, ca: caCertificate ? { caCertificate } : null };
  }
}

function sameCa(a: experimental.CaCertificateUpdate | null, b: experimental.CaCertificateUpdate | null): boolean {
  return a === null || b === null ? a === b : a.caCertificate.equals(b.caCertificate);
}
