import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { CortexError } from '../errors.js';
import type { LedgerSubsystem } from './subsystem.js';
import { openDataDirLedger } from './test-helpers.js';
import { TRUSTED_HEAD_PATH } from './trusted-heads.js';

interface Opened {
  readonly system: LedgerSubsystem;
  readonly logs: Array<Record<string, unknown>>;
  record(count: number): void;
  /** A clean stop: the final head signed and published. */
  stop(): Promise<void>;
}

async function open(dir: string): Promise<Opened> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
  const ledger = await openDataDirLedger(dir, { CORTEX_SIGNING_KEY: 'startup-test-signing-key-0123456789abcdef', CORTEX_LEDGER_CHECKPOINT_ENTRIES: '10' }, { logger });
  return {
    system: ledger.system,
    logs,
    record: (count) => void ledger.append(count, 1, (i) => ({ namespace: 'n', actor: 'a', action: 'x', subject: String(i) })),
    stop: () => ledger.close(),
  };
}

describe('ledger start-up verification', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-startup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('signs the genesis head of a new ledger and keeps the newest head in the data directory', async () => {
    const first = await open(dir);
    expect(first.system.proofs.signedHead(0).treeSize).to.equal(0);
    first.record(25);
    await first.stop();
    const file = readFileSync(join(dir, TRUSTED_HEAD_PATH), 'utf8');
    expect(file.split('\n')[1]).to.equal('25');
  });

  it('walks only what was written since the last trusted head', async () => {
    const first = await open(dir);
    first.record(500);
    await first.stop();
    const second = await open(dir);
    expect(second.system.integrity.state()).to.deep.equal({ status: 'ok' });
    expect(second.logs.find((l) => l.message === 'ledger verified at start')).to.deep.include({ fromSeq: 501, toSeq: 500, entriesChecked: 0 });
    await second.stop();
  });

  it('refuses to extend a ledger that fails, says what to do, and hands out no seq twice', async () => {
    const first = await open(dir);
    first.record(30);
    await first.stop();
    const db = new Database(join(dir, 'cortex.db'));
    db.prepare('DELETE FROM ledger WHERE seq > 27').run();
    db.close();

    const second = await open(dir);
    expect(second.system.integrity.state()).to.deep.include({ status: 'failed', firstBadSeq: 28 });
    const line = second.logs.find((l) => l.level === 'error');
    expect(line?.message).to.match(/^LEDGER INTEGRITY CHECK FAILED at seq 28: .*cortex ledger verify --data-dir <copy> --trusted-head/);
    const refused = (() => {
      try {
        second.record(1);
      } catch (error: unknown) {
        return error;
      }
      return undefined;
    })();
    expect(refused).to.be.instanceOf(CortexError).and.include({ kind: 'FAILED_PRECONDITION', reason: 'LEDGER_INTEGRITY_FAILED' });
    expect(second.system.ledger.head().seq).to.equal(27);
    expect(() => second.system.integrity.check()).to.throw(/seq 28/);
    await second.stop();
    expect(readFileSync(join(dir, TRUSTED_HEAD_PATH), 'utf8').split('\n')[1]).to.equal('30');
  });
});
