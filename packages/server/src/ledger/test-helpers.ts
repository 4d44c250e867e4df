import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { createTransactor, openDatabase, type Db, type Transact } from '../storage/index.js';
import { createArchive, type Archive } from './archive.js';
import type { LedgerEntry } from './chain.js';
import { createCheckpointStore, type CheckpointStore } from './checkpoints.js';
import { createLedger, type Ledger, type LedgerEvent } from './index.js';
import { createLedgerMaintenance, type LedgerMaintenance, type LedgerSettings } from './maintenance.js';
import { createSegmentStore, type SegmentStore } from './segments.js';
import { createSigner, type Signer } from './signing.js';
import { createVerifier, type Verifier } from './verify.js';

export const TEST_SECRET = 'test-signing-secret-0123456789abcdef';

export interface TestLedger {
  readonly dir: string;
  readonly db: Db;
  readonly transact: Transact;
  readonly ledger: Ledger;
  readonly checkpoints: CheckpointStore;
  readonly segments: SegmentStore;
  readonly archive: Archive;
  readonly signer: Signer;
  readonly maintenance: LedgerMaintenance;
  readonly verify: Verifier;
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

/** A ledger over a real SQLite file and archive directory, with maintenance run by hand. */
export function openTestLedger(settings: Partial<LedgerSettings> = {}, clock: () => number = Date.now): TestLedger {
  const dir = mkdtempSync(join(tmpdir(), 'cortex-ledger-'));
  const db = openDatabase({ path: join(dir, 'cortex.db') });
  const transact = createTransactor(db);
  const signer = createSigner(TEST_SECRET, 'test');
  const checkpoints = createCheckpointStore(db);
  const segments = createSegmentStore(db);
  const archive = createArchive(join(dir, 'archive'));
  const full = { ...DEFAULTS, ...settings };
  const ledger = createLedger({ db, clock, checkpoints: { signer, store: checkpoints, every: full.checkpointEvery } });
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
  const maintenance = createLedgerMaintenance({ db, ledger, checkpoints, segments, archive, signer, settings: full, clock, logger });
  const verify = createVerifier({
    ledger,
    segments,
    checkpoints,
    archive,
    trustedKeys: new Map([[signer.publicKey, signer.keyId]]),
    holdPruning: () => maintenance.holdPruning(),
  });
  let counter = 0;
  return {
    dir,
    db,
    transact,
    ledger,
    checkpoints,
    segments,
    archive,
    signer,
    maintenance,
    verify,
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
