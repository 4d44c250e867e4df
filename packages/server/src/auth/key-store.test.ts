import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { KeyFileError, parseKeyDocument } from './key-file.js';
import { certificateIdentities, openKeyStore } from './key-store.js';
import { generateToken, sha256 } from './keys.js';

const silent = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

describe('API key store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const alice = generateToken();
  const yaml = (principal: string, token: string) =>
    `keys:\n  - id: k1\n    principal: ${principal}\n    roles: [read, write]\n    namespaces: ["team-a/*"]\n    token_sha256: ${sha256(token).toString('hex')}\n`;

  it('reads a YAML key file and finds a principal by its token, never by the stored hash', async () => {
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, yaml('alice', alice));
    const store = await openKeyStore({ file, envKeys: [], logger: silent });
    const principal = store.byToken(alice);
    expect(principal?.name).to.equal('alice');
    expect([...(principal?.roles ?? [])]).to.deep.equal(['read', 'write']);
    expect(principal?.namespaces.covers('team-a/x')).to.equal(true);
    expect(store.byToken(sha256(alice).toString('hex'))).to.equal(undefined);
    expect(store.byToken(generateToken())).to.equal(undefined);
  });

  it('reads the same keys from JSON', () => {
    const document = { keys: [{ id: 'k1', principal: 'ci', roles: ['read'], namespaces: ['shared'], certificate: 'URI:spiffe://example.org/ci' }] };
    expect(parseKeyDocument(JSON.stringify(document), true)).to.deep.equal([
      { id: 'k1', principal: 'ci', roles: ['read'], namespaces: ['shared'], certificate: 'URI:spiffe://example.org/ci' },
    ]);
  });

  it('refuses a bad key file at start, naming every problem', async () => {
    const file = join(dir, 'keys.json');
    const keys = [
      { id: 'a', principal: 'system:maintenance', roles: ['read'], namespaces: ['x'], token_sha256: 'f'.repeat(64) },
      { id: 'b', principal: 'bob', roles: ['reader'], namespaces: ['bad ns'], token_sha256: 'nothex' },
      { id: 'c', principal: 'root', roles: ['admin'], namespaces: ['x'], certificate: 'CN=root' },
      { id: 'c', principal: 'carol', roles: ['read'], namespaces: ['x'] },
    ];
    writeFileSync(file, JSON.stringify({ keys }));
    const error = await openKeyStore({ file, envKeys: [], logger: silent }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(KeyFileError);
    const message = (error as Error).message;
    for (const problem of ['"system:maintenance" is reserved', 'roles must list', '"bad ns"', 'token_sha256 must be', 'leave namespaces out', 'its id is used', 'exactly one of token_sha256 and certificate']) {
      expect(message).to.include(problem);
    }
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'a', principal: 'a', roles: ['read'], namespace: ['x'] }] }));
    const typo = await openKeyStore({ file, envKeys: [], logger: silent }).catch((e: unknown) => (e as Error).message);
    expect(typo).to.match(/unknown field\(s\) namespace/);
  });

  it('reloads a changed file, and keeps the keys in force when the new file is bad', async () => {
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, yaml('alice', alice));
    const store = await openKeyStore({ file, envKeys: [], logger: silent });
    const bob = generateToken();
    writeFileSync(file, yaml('bob', bob));
    expect(await store.reload()).to.equal(true);
    expect(store.byToken(bob)?.name).to.equal('bob');
    expect(store.byToken(alice)).to.equal(undefined);
    writeFileSync(file, 'keys: [ {id: broken');
    expect(await store.reload()).to.equal(false);
    expect(store.byToken(bob)?.name).to.equal('bob');
  });

  it('picks up a changed file on its own while watching', async () => {
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, yaml('alice', alice));
    const store = await openKeyStore({ file, envKeys: [], logger: silent, pollMs: 20 });
    store.start();
    try {
      const bob = generateToken();
      writeFileSync(file, yaml('bob', bob));
      while (store.byToken(bob) === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(store.byToken(alice)).to.equal(undefined);
    } finally {
      await store.stop();
    }
  });

  it('gives development keys from the environment every role on every namespace unless they say otherwise', async () => {
    const ops = generateToken();
    const bob = generateToken();
    const store = await openKeyStore({
      file: undefined,
      envKeys: [{ principal: 'ops', token: ops }, { principal: 'bob', token: bob, roles: ['read'], namespaces: ['bob'] }],
      logger: silent,
    });
    expect(store.byToken(ops)?.namespaces.covers('')).to.equal(true);
    expect([...(store.byToken(ops)?.roles ?? [])]).to.deep.equal(['admin']);
    expect(store.byToken(bob)?.namespaces.covers('alice')).to.equal(false);
  });

  it('maps a client certificate to a principal by its subject CN or an alternative name', async () => {
    const file = join(dir, 'keys.json');
    const keys = [
      { id: 'spiffe', principal: 'ci', roles: ['read'], namespaces: ['shared'], certificate: 'URI:spiffe://example.org/ci' },
      { id: 'cn', principal: 'batch', roles: ['write'], namespaces: ['shared'], certificate: 'CN=batch-runner' },
    ];
    writeFileSync(file, JSON.stringify({ keys }));
    const store = await openKeyStore({ file, envKeys: [], logger: silent });
    const peer = (cn: string, subjectaltname: string) => ({ subject: { CN: cn, C: '', ST: '', L: '', O: '', OU: '' }, subjectaltname });
    expect(store.byCertificate(peer('x', 'DNS:ci.example.org, URI:spiffe://example.org/ci'))?.name).to.equal('ci');
    expect(store.byCertificate(peer('batch-runner', ''))?.name).to.equal('batch');
    expect(store.byCertificate(peer('stranger', 'DNS:stranger.example.org'))).to.equal(undefined);
    expect(certificateIdentities(peer('a', 'DNS:b, email:c@d'))).to.deep.equal(['CN=a', 'DNS:b', 'email:c@d']);
  });
});
