import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, status } from '@grpc/grpc-js';
import { LedgerServiceClient } from '@cortex/proto/cortex/v1/ledger_service';
import { sha256 } from '../src/auth/index.js';
import { bearer } from './auth-helpers.js';
import { call, callError, TEST_MODEL, TEST_MODEL_DIR } from './harness.js';

const SERVER_DIR = join(import.meta.dirname, '..');

/** Runs `cortex <args>` as an operator would; its exit status and output. */
function cortex(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, CORTEX_API_KEYS_FILE: '' };
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: SERVER_DIR, encoding: 'utf8', env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cortex keys, and a running server following the key file', function () {
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-keys-cli-'));
    file = join(dir, 'keys.yaml');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a key, prints its token once and stores only its hash, owner-only', () => {
    const created = cortex('keys', 'create', '--principal', 'alice', '--roles', 'read,write', '--namespaces', 'team-a/*', '--id', 'alice-1', '--file', file);
    expect(created.status, created.stderr).to.equal(0);
    const token = created.stdout.trim();
    expect(token).to.match(/^ctx_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).to.not.include(token);
    expect(text).to.include(sha256(token).toString('hex'));
    expect(statSync(file).mode & 0o777).to.equal(0o600);

    const listed = cortex('keys', 'list', '--file', file, '--json');
    const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({ id: 'alice-1', principal: 'alice', roles: ['read', 'write'], namespaces: ['team-a/*'], proof: 'token' });
    expect(listed.stdout).to.not.include(sha256(token).toString('hex'));
  });

  it('refuses a key it cannot load, and leaves the file as it was', () => {
    const before = readFileSync(file, 'utf8');
    expect(cortex('keys', 'create', '--principal', 'bob', '--roles', 'read', '--namespaces', 'team b', '--file', file).status).to.equal(2);
    expect(cortex('keys', 'create', '--principal', 'bob', '--roles', 'superuser', '--namespaces', 'b', '--file', file).status).to.equal(2);
    expect(cortex('keys', 'create', '--principal', 'bob', '--file', file).status).to.equal(2);
    expect(cortex('keys', 'revoke', 'no-such-key', '--file', file).status).to.equal(1);
    expect(readFileSync(file, 'utf8')).to.equal(before);
  });

  it('a server takes new keys and revocations on SIGHUP, without a restart', async () => {
    const first = cortex('keys', 'create', '--principal', 'ops', '--roles', 'admin', '--id', 'ops-1', '--file', file).stdout.trim();
    const server = await serve({ CORTEX_API_KEYS_FILE: file });
    const client = new LedgerServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const verify = (token: string) => call(client.verify.bind(client), { fromSeq: 0, toSeq: 0 }, bearer(token));
    try {
      expect((await verify(first)).ok).to.equal(true);
      const second = cortex('keys', 'create', '--principal', 'ops2', '--roles', 'read', '--namespaces', '*', '--file', file).stdout.trim();
      expect(cortex('keys', 'revoke', 'ops-1', '--file', file).status).to.equal(0);
      await server.hangUp();
      expect((await verify(second)).ok).to.equal(true);
      const revoked = await callError(client.verify.bind(client), { fromSeq: 0, toSeq: 0 }, bearer(first));
      expect(revoked.code).to.equal(status.UNAUTHENTICATED);
    } finally {
      client.close();
      await server.stop();
    }
  });
});

interface Served {
  readonly port: number;
  /** Sends SIGHUP and resolves once the server logged the keys it reloaded for it. */
  hangUp(): Promise<void>;
  stop(): Promise<void>;
}

async function serve(env: Record<string, string>): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cortex-keys-serve-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      CORTEX_ENV: 'test',
      CORTEX_HOST: '127.0.0.1',
      CORTEX_PORT: '0',
      CORTEX_METRICS_PORT: '0',
      CORTEX_DATA_DIR: dataDir,
      CORTEX_EMBEDDING_MODEL: TEST_MODEL,
      CORTEX_MODEL_DIR: TEST_MODEL_DIR,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters: Array<{ message: string; trigger: string | undefined; resolve: (entry: Record<string, unknown>) => void }> = [];
  const next = (message: string, trigger?: string) =>
    new Promise<Record<string, unknown>>((resolve) => waiters.push({ message, trigger, resolve }));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const waiter of waiters.filter((w) => w.message === entry.message && (w.trigger === undefined || w.trigger === entry.trigger))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(entry);
    }
  });
  const serving = await Promise.race([next('cortex serving'), exited.then(() => undefined)]);
  if (serving === undefined) throw new Error('cortex exited before serving');
  return {
    port: serving.grpcPort as number,
    async hangUp() {
      // File changes are reloaded on their own too; this waits for the reload SIGHUP asked for.
      const reloaded = next('API keys reloaded', 'requested');
      child.kill('SIGHUP');
      await reloaded;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
