import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type Db = Database.Database;
export type Statement<Params extends unknown[] = unknown[], Row = unknown> = Database.Statement<Params, Row>;
export { SCHEMA_VERSION };
export { createStatementCache, type StatementCache } from './statement-cache.js';

export interface OpenDatabaseOptions {
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if needed) the database with the pragmas Cortex relies on, then migrates it. */
export function openDatabase(options: OpenDatabaseOptions): Db {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server (${SCHEMA_VERSION}); upgrade Cortex`);
  }
  const pending = MIGRATIONS.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** Work to run once the surrounding transaction has committed (never on rollback). */
export interface Tx {
  afterCommit(callback: () => void): void;
}

export type Transact = <T>(work: (tx: Tx) => T) => T;

/**
 * Wraps better-sqlite3 transactions so domain code can schedule post-commit effects
 * (publishing ledger entries, updating in-memory indexes) that must not happen on rollback.
 */
export function createTransactor(db: Db): Transact {
  return <T>(work: (tx: Tx) => T): T => {
    const callbacks: Array<() => void> = [];
    const tx: Tx = { afterCommit: (callback) => callbacks.push(callback) };
    const result = db.transaction(() => work(tx)).immediate();
    for (const callback of callbacks) callback();
    return result;
  };
}

/** A cheap real write, for health checks: proves the file is writable and not locked out. */
export function probeWritable(db: Db): void {
  db.prepare('INSERT OR REPLACE INTO health_probe (id, checked_at) VALUES (1, ?)').run(Date.now());
}
