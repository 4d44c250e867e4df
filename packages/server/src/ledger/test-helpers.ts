import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { loadConfig } from '../config/index.js';
import { createTransactor, openDatabase, type Db, type Transact } from '../storage/index.js';
import { createArchive, type Archive } from './archive.js';
import { GENESIS_HASH, type LedgerEntry } from './chain.js';
import { createHeadSigner, type HeadSigner } from './head-signer.js';
import type { TreeHead } from './heads.js';
import { createLedger, type Ledger, type LedgerEvent } from './index.js';
import { createLedgerMaintenance, type LedgerMaintenance, type LedgerSettings } from './maintenance.js';
import { createSigner, type Signer } from './signing.js';
import { openLedgerStores, type LedgerStores } from './stores.js';
import { createLedgerSubsystem, type LedgerSubsystem } from './subsystem.js';
import { createVerifier, type Verifier } from './verify/index.js';

export const TEST_SECRET = 'test-signing-secret-0123456789abcdef';
export const TEST_ORIGIN = 'cortex.test';

export interface TestLedger extends LedgerStores {
  readonly dir: string;
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly archive: Archive;
  readonly signer: Signer;
  readonly signing: HeadSigner;
  readonly maintenance: LedgerMaintenance;
  /** Verifies with the test key trusted and the tip MAC checked. */
  readonly verify: Verifier;
  /** Every head signed so far, in order (what a witness following the ledger would hold). */
  readonly signed: TreeHead[];
  /** Appends transactions of the given sizes; returns every entry. */
  append(...sizes: number[]): LedgerEntry[];
  close(): void;
}

const DEFAULTS: LedgerSettings = {
  checkpointEvery: 1000,
  checkpointIntervalMs: 3_600_000,
  segmentEntries: 1_000_000,
  segmentMaxAgeMs: 86_400_000,
  liveSegments: 1,
  archiveRetentionMs: 0,
  maintenanceIntervalMs: 3_600_000,
};

/**
 * A ledger that appends over a database other code also writes (the memory layer's tests): its
 * tree, heads and tip kept by the test key, signed heads dropped.
 */
export function createTestLedger(db: Db, clock: () => number): Ledger {
  const stores = openLedgerStores(db);
  const signer = createSigner(TEST_SECRET, 'test');
  const heads = createHeadSigner({ heads: stores.heads, tree: stores.tree, signer, origin: TEST_ORIGIN, every: 1000, clock });
  const writing = { tree: stores.tree, tip: stores.tip, signer, heads, guard: () => undefined, onHead: () => undefined };
  return createLedger({ db, clock, writing });
}

/** A ledger over a real SQLite file and archive directory, with maintenance run by hand. */
export function openTestLedger(settings: Partial<LedgerSettings> = {}, clock: () => number = Date.now): TestLedger {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-ledger-'));
  const db = openDatabase({ path: join(dir, 'cortex.db') });
  const transact = createTransactor(db);
  const signer = createSigner(TEST_SECRET, 'test');
  const stores = openLedgerStores(db);
  const archive = createArchive(join(dir, 'archive'));
  const full = { ...DEFAULTS, ...settings };
  const signing = createHeadSigner({ ...stores, signer, origin: TEST_ORIGIN, every: full.checkpointEvery, clock });
  // As a new ledger does at its first start: the head of the empty tree.
  const signed: TreeHead[] = [db.transaction(() => signing.sign(0, GENESIS_HASH))()];
  const ledger = createLedger({
    db,
    clock,
    writing: { tree: stores.tree, tip: stores.tip, signer, heads: signing, guard: () => undefined, onHead: (head) => signed.push(head) },
  });
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const maintenance = createLedgerMaintenance({
    db,
    transact,
    ledger,
    heads: signing,
    segments: stores.segments,
    archive,
    signer,
    settings: full,
    clock,
    logger,
    writable: () => db.open,
    publish: async (head) => {
      if (signed.at(-1)?.treeSize !== head.treeSize) signed.push(head);
    },
  });
  const verify = createVerifier({
    ledger,
    ...stores,
    archive,
    trustedKeys: new Map([[signer.publicKey, signer.keyId]]),
    tipMac: signer.mac,
    holdPruning: maintenance.holdPruning,
  });
  let counter = 0;
  return {
    ...stores,
    dir,
    db,
    transact,
    ledger,
    archive,
    signer,
    signing,
    maintenance,
    verify,
    signed,
    append(...sizes) {
      return sizes.flatMap((size) =>
        transact((tx) =>
          ledger.append(
            tx,
            Array.from({ length: size }, (): LedgerEvent => {
              counter += 1;
              return {
                namespace: counter % 2 === 0 ? 'even' : 'odd',
                actor: 'tester',
                onBehalfOf: `user-${counter % 3}`,
                action: counter % 3 === 0 ? 'memory.forgotten' : 'memory.created',
                subject: `m-${counter}`,
                agentId: `agent-${counter % 4}`,
                payload: { n: counter, text: 'héllo ✓' },
                correlationId: `c-${counter}`,
              };
            }),
          ),
        ),
      );
    },
    close() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const silentLogger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });

/** A data directory's ledger opened as the server opens it, without the rest of the server. */
export interface DataDirLedger {
  readonly db: Db;
  readonly transact: Transact;
  readonly system: LedgerSubsystem;
  /** Appends `count` events in transactions of `batch`; returns the milliseconds it took. */
  append(count: number, batch: number, event: (i: number) => LedgerEvent): number;
  /** A clean stop: signs the final head and writes the trusted-head file, then closes. */
  close(): Promise<void>;
}

/**
 * Opens (creating) the ledger of a data directory with the server's own subsystem and start-up
 * verification, configured like the server from CORTEX_* settings: for fixtures and benchmarks that
 * need a ledger the server would accept, without a model or a port.
 */
export async function openDataDirLedger(
  dataDir: string,
  env: Record<string, string>,
  options: { clock?: () => number; logger?: winston.Logger } = {},
): Promise<DataDirLedger> {
  const config = loadConfig({ CORTEX_ENV: 'test', ...env, CORTEX_DATA_DIR: dataDir });
  const db = openDatabase({ path: join(dataDir, 'cortex.db') });
  const transact = createTransactor(db);
  const system = createLedgerSubsystem({ config, db, transact, clock: options.clock ?? Date.now, logger: options.logger ?? silentLogger });
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
