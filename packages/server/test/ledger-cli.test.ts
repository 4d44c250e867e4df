import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyFromSecret } from '../src/ledger/signing.js';
import { openDataDirLedger } from '../src/ledger/test-helpers.js';
import { TRUSTED_HEAD_PATH } from '../src/ledger/trusted-heads.js';
import { runCortexCli } from './ledger-helpers.js';

const SECRET = 'cli-test-signing-key-0123456789abcdefgh';
const KEYS = { CORTEX_SIGNING_KEY: SECRET, CORTEX_SIGNING_KEY_ID: 'c1' };

async function grow(dir: string, count: number, env: Record<string, string>): Promise<void> {
  const ledger = await openDataDirLedger(dir, { ...env, CORTEX_LEDGER_CHECKPOINT_ENTRIES: '10' });
  ledger.append(count, 3, (i) => ({ namespace: 'n', actor: 'a', action: 'x', subject: `s-${i}` }));
  await ledger.close();
}

describe('cortex ledger head and verify --trusted-head', function () {
  this.timeout(120_000);
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cortex-ledger-cli-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('exports the newest head, proves later ledgers extend it, and fails a rollback only the exported head can show', async () => {
    const dir = join(root, 'data');
    const older = join(root, 'older');
    const exported = join(root, 'head-20');
    await grow(dir, 20, KEYS);
    cpSync(dir, older, { recursive: true });

    const head = await runCortexCli(['ledger', 'head', '--data-dir', dir, '--out', exported], KEYS);
    expect(head.code, head.stderr).to.equal(0);
    expect(head.stdout).to.match(/^signed head at tree size 20 \(key c1, .*\) written to /);
    expect(head.stderr).to.include(`trusting key "c1" ${publicKeyFromSecret(SECRET)} from CORTEX_SIGNING_KEY`);
    expect(readFileSync(exported, 'utf8')).to.equal(readFileSync(join(dir, TRUSTED_HEAD_PATH), 'utf8'));

    await grow(dir, 15, KEYS);
    const extended = await runCortexCli(['ledger', 'verify', '--data-dir', dir, '--trusted-head', exported], KEYS);
    expect(extended.code, extended.stdout + extended.stderr).to.equal(0);
    expect(extended.stdout).to.include('consistency proof from the trusted head (tree size 20) to the newest head (tree size 35) verified');

    // Export the newer head, then roll the whole directory back to the older copy: consistent in itself.
    const newer = join(root, 'head-35');
    expect((await runCortexCli(['ledger', 'head', '--data-dir', dir, '--out', newer], KEYS)).code).to.equal(0);
    expect((await runCortexCli(['ledger', 'verify', '--data-dir', older], KEYS)).code).to.equal(0);
    const rolledBack = await runCortexCli(['ledger', 'verify', '--data-dir', older, '--trusted-head', newer, '--json'], KEYS);
    expect(rolledBack.code).to.equal(1);
    expect(JSON.parse(rolledBack.stdout)).to.deep.include({ ok: false, firstBadSeq: 21, reason: 'missing entry (the trusted head is at tree size 35)' });
  });

  it('never trusts a development key found in the data directory unless told to, and says so', async () => {
    const dir = join(root, 'dev');
    await grow(dir, 12, {});
    const refused = await runCortexCli(['ledger', 'verify', '--data-dir', dir], { CORTEX_SIGNING_KEY: '' });
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/^ledger FAILED at seq 1: the signed head at tree size 0: signed by an untrusted key \(key id "dev"\)/);
    expect(refused.stderr).to.include('trusting no key');
    const trusted = await runCortexCli(['ledger', 'verify', '--data-dir', dir, '--trust-dev-key'], { CORTEX_SIGNING_KEY: '' });
    expect(trusted.code, trusted.stdout).to.equal(0);
    expect(trusted.stderr).to.match(/trusting key "dev" [0-9a-f]{64} from the data directory \(--trust-dev-key/);
  });
});
