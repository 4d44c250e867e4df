import type { Registry } from 'prom-client';
import type { Logger } from 'winston';
import type { Config } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Db, Transact } from '../storage/index.js';
import { createArchive, type Archive } from './archive.js';
import type { LedgerEntry } from './chain.js';
import { createCheckpointStore } from './checkpoints.js';
import { DEV_KEY_ID, loadOrCreateDevKey } from './dev-key.js';
import { readEntriesPage, type EntriesPage, type EntriesQuery } from './entries-page.js';
import { createLedger, type Ledger, type LedgerEvent } from './index.js';
import { createLedgerMaintenance, type LedgerMaintenance } from './maintenance.js';
import { registerLedgerMetrics } from './metrics.js';
import { createSegmentStore } from './segments.js';
import { createSigner, type Signer } from './signing.js';
import { createSubscriptionHub, type SubscriptionHub } from './subscribe/index.js';
import { createVerifier, type Verifier } from './verify.js';

export interface LedgerSubsystemDeps {
  readonly config: Pick<Config, 'dataDir' | 'signingKey' | 'signingKeyGenerated' | 'signingKeyId' | 'shutdownGraceMs' | 'ledger'>;
  readonly db: Db;
  readonly transact: Transact;
  readonly clock: () => number;
  readonly logger: Logger;
  readonly registry?: Registry;
}

export interface LedgerSubsystem {
  readonly ledger: Ledger;
  readonly hub: SubscriptionHub;
  readonly maintenance: LedgerMaintenance;
  readonly archive: Archive;
  readonly signer: Signer;
  readonly verify: Verifier;
  /** Appends one explicit audit event in its own transaction. */
  record(event: LedgerEvent): LedgerEntry;
  readEntries(query: EntriesQuery): EntriesPage;
  /** Ends subscriptions (UNAVAILABLE after flushing); maintenance is a job its owner stops. */
  closeStreams(): Promise<void>;
}

/** Catch-up reads this many entries per step; small enough to never stall the event loop. */
const CATCH_UP_PAGE = 256;

/**
 * Builds the ledger and everything around it (signing, checkpoints, archive, verification,
 * the subscription hub, the maintenance job, not yet started).
 */
export function createLedgerSubsystem({ config, db, transact, clock, logger, registry }: LedgerSubsystemDeps): LedgerSubsystem {
  const settings = config.ledger;
  const signer = createCheckpointSigner(config, logger);
  const checkpoints = createCheckpointStore(db);
  const segments = createSegmentStore(db);
  const archive = createArchive(settings.archiveDir);
  const ledger = createLedger({
    db,
    clock,
    checkpoints: { signer, store: checkpoints, every: settings.checkpointEvery },
    reportError: (error) => logger.error('ledger commit listener failed', { error: errorMessage(error) }),
  });
  const maintenance = createLedgerMaintenance({ db, ledger, checkpoints, segments, archive, signer, settings, clock, logger });
  const hub = createSubscriptionHub({
    ledger,
    source: {
      head: () => ledger.head().seq,
      oldestLiveSeq: () => ledger.oldestLiveSeq(),
      entries: (from, to, limit) => ledger.entries(from, to, limit),
      archivedSegments: () => segments.archived(),
      archive,
    },
    limits: {
      maxQueuedEntries: settings.subscriberMaxBufferedEntries,
      maxQueuedBytes: settings.subscriberMaxBufferedBytes,
      pageSize: CATCH_UP_PAGE,
    },
    reportError: (error) => logger.error('ledger subscription failed', { error: errorMessage(error) }),
  });
  const trustedKeys = new Map([...settings.trustedKeys, [signer.publicKey, signer.keyId]]);
  const verify = createVerifier({ ledger, segments, checkpoints, archive, trustedKeys, holdPruning: maintenance.holdPruning });
  if (registry) registerLedgerMetrics(registry, { hub: () => hub.stats(), oldestLiveSeq: () => ledger.oldestLiveSeq() });

  return {
    ledger,
    hub,
    maintenance,
    archive,
    signer,
    verify,
    record: (event) => transact((tx) => ledger.append(tx, [event])[0]!),
    readEntries: (query) => readEntriesPage(ledger, query),
    closeStreams: () => hub.close(Math.min(5000, config.shutdownGraceMs / 2)),
  };
}

function createCheckpointSigner(config: LedgerSubsystemDeps['config'], logger: Logger): Signer {
  if (!config.signingKeyGenerated) {
    const signer = createSigner(config.signingKey, config.signingKeyId);
    logger.info('ledger checkpoints signed', { keyId: signer.keyId, algorithm: 'ed25519', publicKey: signer.publicKey });
    return signer;
  }
  // Outside production only (config refuses production without a key).
  const dev = loadOrCreateDevKey(config.dataDir);
  const signer = createSigner(dev.secret, DEV_KEY_ID);
  logger.warn(
    'NO CORTEX_SIGNING_KEY SET: ledger checkpoints are signed with a DEVELOPMENT key stored in the data directory; anyone who can read it can forge checkpoints. Set CORTEX_SIGNING_KEY for real use.',
    { keyPath: dev.path, created: dev.created, keyId: signer.keyId, publicKey: signer.publicKey },
  );
  return signer;
}
