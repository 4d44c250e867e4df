import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { createWalCheckpointer } from './checkpointer.js';
import { openDatabase, type Db } from './index.js';

describe('WAL checkpointer', () => {
  let dir: string;
  let path: string;
  let db: Db;
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const fill = () => {
    const insert = db.prepare('INSERT INTO health_probe (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at');
    db.exec('CREATE TABLE IF NOT EXISTS filler (x BLOB)');
    const blob = db.prepare('INSERT INTO filler (x) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 200; i += 1) blob.run(Buffer.alloc(8192, i));
      insert.run(Date.now());
    })();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cortex-ckpt-'));
    path = join(dir, 'cortex.db');
    db = openDatabase({ path });
    db.pragma('wal_checkpoint(TRUNCATE)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns off checkpoints on the main connection and copies the WAL into the database from its own thread', async () => {
    const checkpointer = createWalCheckpointer({ db, path, logger, intervalMs: 50 });
    checkpointer.start();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(0);
    const before = statSync(path).size;
    fill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statSync(path).size).to.be.greaterThan(before + 1_000_000);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).to.equal(1000);
  });

  it('leaves the database file alone without it, since the main connection no longer checkpoints', async () => {
    db.pragma('wal_autocheckpoint = 0');
    const before = statSync(path).size;
    fill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statSync(path).size).to.equal(before);
  });
});
