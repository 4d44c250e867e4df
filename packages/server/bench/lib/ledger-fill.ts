// A ledger built offline exactly as the server builds it (the ledger subsystem on a data
// directory: Merkle tree, signed heads, tip, trusted-head file), for benchmarks that need a big
// one before the server first starts.
import { join } from 'node:path';
import winston from 'winston';
import { loadConfig } from '../../src/config/index.js';
import type { LedgerEvent } from '../../src/ledger/index.js';
import { createLedgerSubsystem, type LedgerSubsystem } from '../../src/ledger/subsystem.js';
import { createTransactor, openDatabase, type Db, type Transact } from '../../src/storage/index.js';

export interface OfflineLedger {
  readonly db: Db;
  readonly transact: Transact;
  readonly system: LedgerSubsystem;
  /** Appends `count` events in transactions of `batch`; returns the milliseconds it took. */
  append(count: number, batch: number, event: (i: number) => LedgerEvent): number;
  /** Signs the final head and writes the trusted-head file, as a clean server stop does, then closes. */
  close(): Promise<void>;
}

export const silentLogger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

export async function openOfflineLedger(dataDir: string, env: Record<string, string>): Promise<OfflineLedger> {
  const config = loadConfig({ CORTEX_ENV: 'test', CORTEX_DATA_DIR: dataDir, ...env });
  const db = openDatabase({ path: join(dataDir, 'cortex.db') });
  const transact = createTransactor(db);
  const system = createLedgerSubsystem({ config, db, transact, clock: Date.now, logger: silentLogger });
  await system.start();
  let appended = 0;
  return {
    db,
    transact,
    system,
    append(count, batch, event) {
      const started = performance.now();
      for (let done = 0; done < count; done += batch) {
        const size = Math.min(batch, count - done);
        transact((tx) => system.ledger.append(tx, Array.from({ length: size }, (_, k) => event(appended + k))));
        appended += size;
      }
      return performance.now() - started;
    },
    async close() {
      await system.maintenance.stop();
      db.close();
    },
  };
}
