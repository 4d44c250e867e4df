import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createPublicKey, hkdfSync, createPrivateKey } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout } from 'node:timers/promises';
import { join } from 'node:path';
import {
  Code,
  CortexClient,
  CortexError,
  FileHeadStore,
  LedgerVerificationError,
  LedgerVerifier,
  MemoryHeadStore,
  type LedgerEntry,
  type TrustedKey,
} from '../src/index.js';
import { freePort, startServer, type CortexProcess } from './server.js';

const SECRET = 'client-verifier-test-signing-key-0123456789';
const ENV = { CORTEX_SIGNING_KEY: SECRET, CORTEX_SIGNING_KEY_ID: 't1', CORTEX_LEDGER_CHECKPOINT_ENTRIES: '3' };

/** The public key docs/ledger.md says the server derives from its secret (HKDF-SHA256 → Ed25519 seed). */
function publicKeyOf(secret: string): string {
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'cortex.ledger.ed25519.v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  return Buffer.from(String(createPublicKey(privateKey).export({ format: 'jwk' }).x), 'base64url').toString('hex');
}

const TRUSTED: TrustedKey[] = [{ keyId: 't1', publicKey: publicKeyOf(SECRET) }];

describe('LedgerVerifier against a real server', function () {
  this.timeout(120_000);
  let root: string;
  let dataDir: string;
  let port: number;
  let server: CortexProcess;
  let client: CortexClient;

  // One client throughout: the server restarts on the same port, as a real one would.
  const connect = async () => {
    server = await startServer({ env: ENV, dataDir, port });
  };
  // After a restart the channel may sit in its reconnect backoff (up to 2 s) longer than a call's
  // retries last: wait until a read gets through before recording entries, which are not retried.
  const reconnect = async () => {
    await connect();
    const giveUpAt = Date.now() + 30_000;
    for (;;) {
      try {
        await client.getSignedHead({});
        return;
      } catch (error) {
        if (Date.now() > giveUpAt) throw error;
        await setTimeout(200);
      }
    }
  };
  const disconnect = () => server.stop();
  const record = async (n: number): Promise<LedgerEntry[]> => {
    const entries: LedgerEntry[] = [];
    for (let i = 0; i < n; i += 1) entries.push((await client.record({ actor: 'tester', action: 'test.event', subject: `s-${i}` })).entry!);
    return entries;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'cortex-verifier-'));
    dataDir = join(root, 'data');
    port = await freePort();
    await connect();
    client = new CortexClient({ address: server.address, defaultDeadlineMs: 10_000, retry: { maxAttempts: 5 } });
  });
  after(async () => {
    client.close();
    await disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it('proves every entry it is given against heads it checked, and keeps the last head in its store', async () => {
    const store = new FileHeadStore(join(root, 'state', 'head'));
    const verifier = new LedgerVerifier(client, { trustedKeys: TRUSTED, store });
    const entries = await record(7);
    for (const entry of entries.slice(0, 6)) expect((await verifier.verifyEntry(entry)).treeSize).to.be.at.least(entry.seq);
    const last = entries.at(-1)!;
    const notYet = await verifier.verifyEntry(last).catch((e: unknown) => e);
    expect(notYet).to.be.instanceOf(CortexError).and.include({ code: Code.OUT_OF_RANGE, reason: 'LEDGER_ENTRY_NOT_YET_SIGNED' });
    const later = new LedgerVerifier(client, { trustedKeys: TRUSTED, store });
    expect((await later.trustedHead())?.note).to.equal((await verifier.trustedHead())?.note);

    const tampered = { ...entries[2]!, subject: 'something else' };
    const caught = await verifier.verifyEntry(tampered).catch((e: unknown) => e);
    expect(caught).to.be.instanceOf(LedgerVerificationError).and.include({ failure: 'NOT_INCLUDED' });
  });

  it('takes heads from a Subscribe stream as a witness would', async () => {
    const verifier = new LedgerVerifier(client, { trustedKeys: TRUSTED });
    const stop = new AbortController();
    const seen: number[] = [];
    const appended = record(3);
    for await (const message of client.subscribe({ fromSeq: 1 }, { signal: stop.signal })) {
      if (message.head) seen.push((await verifier.observe(message.head)).treeSize);
      if (seen.length > 0 && seen.at(-1)! >= 9) stop.abort();
    }
    await appended;
    expect(seen.at(-1)).to.be.at.least(9);
    expect((await verifier.trustedHead())?.treeSize).to.equal(seen.at(-1));
  });

  it('fails loudly, with the trusted head in hand, when the server rolls its ledger back or rewrites it', async () => {
    const verifier = new LedgerVerifier(client, { trustedKeys: TRUSTED, store: new MemoryHeadStore() });
    await disconnect();
    const older = join(root, 'older');
    cpSync(dataDir, older, { recursive: true });
    await reconnect();
    await record(6);
    const trusted = await verifier.refresh();

    // The data directory is replaced by the older copy: consistent in itself, behind the client.
    await disconnect();
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(older, dataDir, { recursive: true });
    await reconnect();
    const rollback = await verifier.refresh().catch((e: unknown) => e);
    expect(rollback).to.be.instanceOf(LedgerVerificationError).and.deep.include({ failure: 'ROLLBACK', trusted });

    // It writes on from there: a different history past the trusted head.
    await record(9);
    const fork = await verifier.refresh().catch((e: unknown) => e);
    expect(fork).to.be.instanceOf(LedgerVerificationError).and.deep.include({ failure: 'INCONSISTENT', trusted });
    expect((await verifier.trustedHead())?.note).to.equal(trusted.note);
  });

  it('rejects heads signed by a key it does not trust', async () => {
    const verifier = new LedgerVerifier(client, { trustedKeys: [{ keyId: 't1', publicKey: publicKeyOf('some other secret of 32+ characters!') }] });
    const error = await verifier.refresh().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LedgerVerificationError).and.include({ failure: 'UNTRUSTED_KEY' });
  });
});
