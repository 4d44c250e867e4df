// A certificate authority made for one test run, with openssl: nothing from the network, nothing
// kept. Used by the server's and the TypeScript client's TLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new CA (P-256, valid for a day) in a temporary directory; its types are in test-certificates.d.mts. */
export function createTestPki(label = 'cortex test CA') {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-pki-'));
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', ca, '-days', '1', '-subj', `/CN=${label}`);
  return {
    dir,
    ca,
    issue(name, { cn, san = [], client = false }) {
      const cert = join(dir, `${name}.pem`);
      const key = join(dir, `${name}-key.pem`);
      const csr = join(dir, `${name}.csr`);
      const extensions = join(dir, `${name}.ext`);
      const lines = ['basicConstraints=CA:FALSE', `extendedKeyUsage=${client ? 'clientAuth' : 'serverAuth'}`];
      if (san.length > 0) lines.push(`subjectAltName=${san.join(',')}`);
      writeFileSync(extensions, `${lines.join('\n')}\n`);
      openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`);
      openssl('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', extensions);
      return { cert, key };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function openssl(...args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
