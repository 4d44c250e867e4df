import { expect } from 'chai';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import { credentials, Metadata, status, type ChannelCredentials } from '@grpc/grpc-js';
import { LedgerServiceClient } from '@cortex/proto/cortex/v1/ledger_service';
import { createTestPki, type TestPki } from '../../../scripts/test-certificates.mjs';
import { bearer, tokenKey, writeKeyFile } from './auth-helpers.js';
import { call, callError, errorDetails, startTestServer, type TestServer } from './harness.js';

const verifyRequest = { fromSeq: 0, toSeq: 0 };
const recordRequest = (actor = '') => ({ namespace: 'shared', actor, action: 'test.tls', subject: '', agentId: '', payloadJson: '' });

describe('TLS', function () {
  let pki: TestPki;
  before(() => {
    pki = createTestPki();
  });
  after(() => pki.close());

  const tlsTo = (client?: { cert: string; key: string }, ca = pki.ca): ChannelCredentials =>
    credentials.createSsl(readFileSync(ca), client ? readFileSync(client.key) : null, client ? readFileSync(client.cert) : null);
  const ledger = (server: TestServer, channel: ChannelCredentials) => new LedgerServiceClient(server.address, channel);

  describe('with a server certificate', () => {
    const admin = tokenKey('ops', ['admin']);
    let server: TestServer;
    before(async () => {
      const { cert, key } = pki.issue('server', { cn: 'cortex', san: ['IP:127.0.0.1', 'DNS:localhost'] });
      server = await startTestServer({
        env: { CORTEX_TLS_CERT: cert, CORTEX_TLS_KEY: key, CORTEX_API_KEYS_FILE: writeKeyFile(pki.dir, [admin], 'tls-keys.yaml') },
      });
    });
    after(() => server.stop());

    it('serves clients that trust its CA, with bearer tokens, and refuses plaintext and strangers', async () => {
      const trusted = ledger(server, tlsTo());
      expect((await call(trusted.verify.bind(trusted), verifyRequest, bearer(admin.token))).ok).to.equal(true);
      trusted.close();

      const stranger = createTestPki('another CA');
      try {
        for (const channel of [credentials.createInsecure(), tlsTo(undefined, stranger.ca)]) {
          const client = ledger(server, channel);
          const error = await callError(client.verify.bind(client), verifyRequest, bearer(admin.token));
          expect(error.code).to.equal(status.UNAVAILABLE);
          client.close();
        }
      } finally {
        stranger.close();
      }
    });

    it('serves a renewed certificate to new connections without a restart, and keeps the old one when the new files do not match', async () => {
      expect((await presented(server)).subject.CN).to.equal('cortex');
      const renewed = pki.issue('renewed', { cn: 'cortex-renewed', san: ['IP:127.0.0.1'] });
      copyFileSync(renewed.cert, `${pki.dir}/server.pem`);
      copyFileSync(renewed.key, `${pki.dir}/server-key.pem`);
      expect(await server.cortex.reload()).to.deep.equal({ keys: true, certificates: true });
      expect((await presented(server)).subject.CN).to.equal('cortex-renewed');

      const other = pki.issue('mismatch', { cn: 'cortex-other', san: ['IP:127.0.0.1'] });
      copyFileSync(other.cert, `${pki.dir}/server.pem`); // its key is not the one in server-key.pem
      expect(await server.cortex.reload()).to.deep.equal({ keys: true, certificates: false });
      expect((await presented(server)).subject.CN).to.equal('cortex-renewed');
      const client = ledger(server, tlsTo());
      expect((await call(client.verify.bind(client), verifyRequest, bearer(admin.token))).ok).to.equal(true);
      client.close();
    });
  });

  describe('mutual, with a client CA', () => {
    const ci = { principal: 'ci', roles: ['read', 'write'] as const, namespaces: ['shared'], certificate: 'URI:spiffe://example.org/ci' };
    const reader = tokenKey('token-reader', ['read'], ['shared']);
    let server: TestServer;
    before(async () => {
      const { cert, key } = pki.issue('mtls-server', { cn: 'cortex', san: ['IP:127.0.0.1'] });
      server = await startTestServer({
        env: {
          CORTEX_TLS_CERT: cert,
          CORTEX_TLS_KEY: key,
          CORTEX_TLS_CLIENT_CA: pki.ca,
          CORTEX_API_KEYS_FILE: writeKeyFile(pki.dir, [ci, reader], 'mtls-keys.yaml'),
        },
      });
    });
    after(() => server.stop());

    it('takes the principal from a client certificate the key file names, for authorization and the ledger actor', async () => {
      const client = ledger(server, tlsTo(pki.issue('ci', { cn: 'ci-runner', san: ['URI:spiffe://example.org/ci'], client: true })));
      const { entry } = await call(client.record.bind(client), recordRequest('a-user'), new Metadata());
      expect(entry).to.deep.include({ actor: 'ci', onBehalfOf: 'a-user' });
      const elsewhere = await callError(client.record.bind(client), { ...recordRequest(), namespace: 'private' }, new Metadata());
      expect(errorDetails(elsewhere).reason).to.equal('NAMESPACE_NOT_ALLOWED');
      // A bearer token on the same connection decides instead.
      const asReader = await callError(client.record.bind(client), recordRequest(), bearer(reader.token));
      expect(errorDetails(asReader)).to.deep.include({ reason: 'ROLE_REQUIRED' });
      client.close();
    });

    it('refuses a valid certificate no key names, and a client without a certificate', async () => {
      const unmapped = ledger(server, tlsTo(pki.issue('nobody', { cn: 'nobody', client: true })));
      const error = await callError(unmapped.verify.bind(unmapped), verifyRequest, new Metadata());
      expect(error.code).to.equal(status.UNAUTHENTICATED);
      expect(errorDetails(error).reason).to.equal('CERTIFICATE_NOT_MAPPED');
      unmapped.close();

      const anonymous = ledger(server, tlsTo());
      expect((await callError(anonymous.verify.bind(anonymous), verifyRequest, bearer(reader.token))).code).to.equal(status.UNAVAILABLE);
      anonymous.close();
    });
  });

  it('binds the metrics and health port to its own interface', async () => {
    const server = await startTestServer({ env: { CORTEX_HOST: '127.0.0.1', CORTEX_METRICS_HOST: '127.0.0.2' } });
    try {
      expect((await fetch(`http://127.0.0.2:${server.cortex.metricsPort}/healthz`)).status).to.equal(200);
      const elsewhere = await fetch(`http://127.0.0.1:${server.cortex.metricsPort}/healthz`).then(
        () => 'answered',
        () => 'refused',
      );
      expect(elsewhere).to.equal('refused');
    } finally {
      await server.stop();
    }
  });
});

/** The certificate a new TLS connection to the server is shown. */
function presented(server: TestServer): Promise<PeerCertificate> {
  const [host = '', port = ''] = server.address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}
