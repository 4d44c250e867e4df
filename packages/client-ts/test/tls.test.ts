import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { credentials } from '@grpc/grpc-js';
import { createTestPki, type TestPki } from '../../../scripts/test-certificates.mjs';
import { Code, CortexClient, CortexError } from '../src/index.js';
import { startServer, type CortexProcess } from './server.js';

describe('CortexClient against the real server over mutual TLS with scoped keys', function () {
  const token = `ctx_${randomBytes(32).toString('base64url')}`;
  let pki: TestPki;
  let server: CortexProcess;
  const clients: CortexClient[] = [];
  const connect = (options: { apiKey?: string; clientCert?: { cert: string; key: string } }) => {
    const channel = credentials.createSsl(
      readFileSync(pki.ca),
      options.clientCert ? readFileSync(options.clientCert.key) : null,
      options.clientCert ? readFileSync(options.clientCert.cert) : null,
    );
    const client = new CortexClient({
      address: server.address,
      apiKey: options.apiKey,
      credentials: channel,
      defaultDeadlineMs: 10_000,
      retry: { maxAttempts: 1 },
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    pki = createTestPki();
    const serverCert = pki.issue('server', { cn: 'cortex', san: ['IP:127.0.0.1'] });
    const keys = join(pki.dir, 'keys.json');
    writeFileSync(
      keys,
      JSON.stringify({
        keys: [
          { id: 'agent', principal: 'agent', roles: ['read', 'write'], namespaces: ['team-a/*'], token_sha256: createHash('sha256').update(token).digest('hex') },
          { id: 'ci', principal: 'ci', roles: ['read'], namespaces: ['team-a/*'], certificate: 'URI:spiffe://example.org/ci' },
        ],
      }),
    );
    server = await startServer({
      env: { CORTEX_TLS_CERT: serverCert.cert, CORTEX_TLS_KEY: serverCert.key, CORTEX_TLS_CLIENT_CA: pki.ca, CORTEX_API_KEYS_FILE: keys },
    });
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await server.stop();
    pki.close();
  });

  it('writes and reads with an API key over TLS, and gets PERMISSION_DENIED with a reason outside its namespaces', async () => {
    const client = connect({ apiKey: token, clientCert: pki.issue('agent', { cn: 'agent', client: true }) });
    await client.remember({ namespace: 'team-a/prod', memories: [{ id: 'm1', content: 'over TLS' }] });
    expect((await client.getMemory({ namespace: 'team-a/prod', id: 'm1' })).memory?.content).to.equal('over TLS');
    const error = await client.getMemory({ namespace: 'team-b', id: 'm1' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.PERMISSION_DENIED, reason: 'NAMESPACE_NOT_ALLOWED' });
  });

  it('is the principal its client certificate names, with that key’s roles', async () => {
    const client = connect({ clientCert: pki.issue('ci', { cn: 'ci', san: ['URI:spiffe://example.org/ci'], client: true }) });
    expect((await client.listMemories({ namespace: 'team-a/prod' })).memories.map((m) => m.id)).to.deep.equal(['m1']);
    const error = await client.forget({ namespace: 'team-a/prod', ids: ['m1'] }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.PERMISSION_DENIED, reason: 'ROLE_REQUIRED' });
  });

  it('cannot connect without a client certificate or over plaintext', async () => {
    const withoutCert = await connect({ apiKey: token }).countTokens({ model: 'gpt-4o', texts: ['x'] }).catch((e: unknown) => e);
    expect(withoutCert).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
    const plaintext = new CortexClient({ address: server.address, apiKey: token, defaultDeadlineMs: 10_000, retry: { maxAttempts: 1 } });
    clients.push(plaintext);
    expect(await plaintext.countTokens({ model: 'gpt-4o', texts: ['x'] }).catch((e: unknown) => e)).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
  });
});
