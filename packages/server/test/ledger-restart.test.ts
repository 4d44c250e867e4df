import { expect } from 'chai';
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { LedgerServiceClient } from '@cortex/proto/cortex/v1/ledger_service';
import { publicKeyFromSecret } from '../src/ledger/signing.js';
import { call } from './harness.js';
import { range, record, runCortexCli, spawnServer, subscribe } from './ledger-helpers.js';

const SIGNING_KEY = 'restart-test-signing-key-0123456789abcdef';

describe('ledger across restarts, and the offline verifier', function () {
  this.timeout(120_000);
  let dataDir: string;
  let copyDir: string;
  const env = () => ({ CORTEX_DATA_DIR: dataDir, CORTEX_SIGNING_KEY: SIGNING_KEY, CORTEX_SIGNING_KEY_ID: 'k1', CORTEX_LEDGER_CHECKPOINT_ENTRIES: '25' });

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cortex-ledger-restart-'));
    copyDir = mkdtempSync(join(tmpdir(), 'cortex-ledger-copy-'));
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(copyDir, { recursive: true, force: true });
  });

  it('resumes after kill -9 with exactly the missed entries, in order, and every acknowledged write kept', async () => {
    const first = await spawnServer(env());
    const client = new LedgerServiceClient(`127.0.0.1:${first.port}`, credentials.createInsecure());
    const acknowledged: number[] = [];
    let writing = true;
    const writers = range(1, 3).map(async () => {
      while (writing) {
        try {
          acknowledged.push((await record(client)).entry?.seq ?? 0);
        } catch {
          return;
        }
      }
    });
    // A subscriber disconnects; writes go on without it; then the server dies mid-write.
    const before = subscribe(client, { fromSeq: 1 });
    await before.until((c) => c.seqs().length >= 100);
    before.cancel();
    await before.status;
    const target = acknowledged.length + 100;
    while (acknowledged.length < target) await new Promise((resolve) => setTimeout(resolve, 5));
    first.child.kill('SIGKILL');
    await first.exit;
    writing = false;
    await Promise.all(writers);
    client.close();
    const lastSeen = before.seqs().at(-1)!;
    expect(before.seqs()).to.deep.equal(range(1, lastSeen));

    const second = await spawnServer(env());
    const again = new LedgerServiceClient(`127.0.0.1:${second.port}`, credentials.createInsecure());
    try {
      const head = (await call(again.getEntries.bind(again), { fromSeq: 0, toSeq: 0, pageSize: 1, pageToken: '', namespace: '' })).headSeq;
      expect(head).to.be.at.least(Math.max(...acknowledged));
      expect(head).to.be.greaterThan(lastSeen + 50);
      const resumed = subscribe(again, { fromSeq: lastSeen + 1, toSeq: head });
      expect((await resumed.status).code).to.equal(status.OK);
      expect([...before.seqs(), ...resumed.seqs()]).to.deep.equal(range(1, head));
      expect(await call(again.verify.bind(again), { fromSeq: 0, toSeq: 0 })).to.deep.include({ ok: true, entriesChecked: head });
    } finally {
      again.close();
      second.child.kill('SIGTERM');
      expect(await second.exit).to.equal(0);
    }
  });

  it('`cortex ledger verify` checks a copy of the data directory offline, and pinpoints tampering', async () => {
    cpSync(dataDir, copyDir, { recursive: true });
    const verify = (args: string[] = [], extra: Record<string, string> = {}) =>
      runCortexCli(['ledger', 'verify', '--data-dir', copyDir, ...args], { CORTEX_SIGNING_KEY: SIGNING_KEY, CORTEX_SIGNING_KEY_ID: 'k1', ...extra });

    const ok = await verify();
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/^ledger OK: \d+ entries \(seq 1\.\.\d+\) and \d+ signed heads verified/);
    expect(ok.stderr).to.include(`trusting key "k1" ${publicKeyFromSecret(SIGNING_KEY)} from CORTEX_SIGNING_KEY`);

    const json = await verify(['--json']);
    const report = JSON.parse(json.stdout) as { ok: boolean; checkpointsChecked: number; headSeq: number };
    expect(report.ok).to.equal(true);
    expect(report.checkpointsChecked).to.be.at.least(Math.floor(report.headSeq / 25) - 1);

    // Without the signing key (or its public key) the heads are not trusted.
    const untrusted = await runCortexCli(['ledger', 'verify', '--data-dir', copyDir], { CORTEX_SIGNING_KEY: '' });
    expect(untrusted.code).to.equal(1);
    expect(untrusted.stdout).to.match(/untrusted key \(key id "k1"\)/);
    const byPublicKey = await runCortexCli(['ledger', 'verify', '--data-dir', copyDir, '--trust', `k1:${publicKeyFromSecret(SIGNING_KEY)}`], { CORTEX_SIGNING_KEY: '' });
    expect(byPublicKey.code, byPublicKey.stdout).to.equal(0);

    const db = new Database(join(copyDir, 'cortex.db'));
    db.prepare("UPDATE ledger SET payload = '{\"k\":2}' WHERE seq = 42").run();
    db.close();
    const bad = await verify();
    expect(bad.code).to.equal(1);
    expect(bad.stdout.trim()).to.equal('ledger FAILED at seq 42: hash mismatch');
    expect((await verify(['--from', '1', '--to', '41'])).code).to.equal(0);
    expect((await verify(['--from', 'x'])).code).to.equal(2);
    expect((await runCortexCli(['ledger', 'verify', '--data-dir', join(copyDir, 'nope')], {})).code).to.equal(66);
  });

  it('refuses to start in production without a signing key', async () => {
    const production = {
      CORTEX_ENV: 'production',
      CORTEX_API_KEYS: 'ops:0123456789abcdef0123',
      CORTEX_TLS_TERMINATED_BY_PROXY: 'true',
      CORTEX_DATA_DIR: copyDir,
    };
    expect(() => loadConfig(production)).to.throw(ConfigError, /CORTEX_SIGNING_KEY/);
    expect(loadConfig({ ...production, CORTEX_SIGNING_KEY: SIGNING_KEY }).signingKeyGenerated).to.equal(false);
    const refused = await runCortexCli(['serve'], { ...production, CORTEX_SIGNING_KEY: '', CORTEX_PORT: '0', CORTEX_METRICS_PORT: '0' });
    expect(refused.code).to.equal(78);
    expect(refused.stderr).to.match(/requires CORTEX_SIGNING_KEY/);
  });
});
