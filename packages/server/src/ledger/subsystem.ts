import type { Registry } from 'prom-client';
import type { Logger } from 'winston';
import type { Config } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Db, Transact } from '../storage/index.js';
import { createArchive, type Archive } from './archive.js';
import type { LedgerEntry } from './chain.js';
import { DEV_KEY_ID, loadOrCreateDevKey } from './dev-key.js';
import { readEntriesPage, type EntriesPage, type EntriesQuery } from './entries-page.js';
import { createHeadPublisher } from './head-publisher.js';
import { createHeadSigner } from './head-signer.js';
import type { TreeHead } from './heads.js';
import { createLedger, type Ledger, type LedgerEvent } from './index.js';
import { createIntegrity, type Integrity } from './integrity.js';
import { createLedgerMaintenance, type LedgerMaintenance } from './maintenance.js';
import { registerLedgerMetrics } from './metrics.js';
import { createProofs, type Proofs } from './proofs.js';
import { createSigner, type Signer } from './signing.js';
import { verifyAtStart } from './startup.js';
import { openLedgerStores } from './stores.js';
import { createSubscriptionHub, type SubscriptionHub } from './subscribe/index.js';
import { readHeadFile, trustedHeadFiles } from './trusted-heads.js';
import { createVerifier, type VerifyRange, type VerifyReport } from './verify/index.js';

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
  readonly integrity: Integrity;
  readonly proofs: Proofs;
  /** Verifies from the last trusted head before anything appends; a failure refuses writes (integrity). */
  start(): Promise<void>;
  /** Full verification over a range, against the trusted-head files too. */
  verify(range: VerifyRange): Promise<VerifyReport>;
  /** Appends one explicit audit event in its own transaction. */
  record(event: LedgerEvent): LedgerEntry;
  readEntries(query: EntriesQuery): EntriesPage;
  /** Ends subscriptions (UNAVAILABLE after flushing); maintenance is a job its owner stops. */
  closeStreams(): Promise<void>;
}

/** Catch-up reads this many entries per step; small enough to never stall the event loop. */
const CATCH_UP_PAGE = 256;

/**
 * Builds the ledger and everything around it (the Merkle tree, signed heads, the archive,
 * verification, the subscription hub, the maintenance job, not yet started). Nothing appends
 * until start() has verified the ledger.
 */
export function createLedgerSubsystem({ config, db, transact, clock, logger, registry }: LedgerSubsystemDeps): LedgerSubsystem {
  const settings = config.ledger;
  const signer = createHeadKey(config, logger);
  const stores = openLedgerStores(db);
  const archive = createArchive(settings.archiveDir);
  const integrity = createIntegrity();
  const files = trustedHeadFiles(config.dataDir, settings.trustedHeadFile);
  const heads = createHeadSigner({
    heads: stores.heads,
    tree: stores.tree,
    signer,
    origin: settings.origin,
    every: settings.checkpointEvery,
    clock,
  });
  // The hub is built after the ledger it listens to; heads reach it once it exists.
  const hubRef: { hub?: SubscriptionHub } = {};
  const publisher = createHeadPublisher({ dbPath: db.name, files, offer: (head) => hubRef.hub?.offerHead(head) });
  const publish = async (head: TreeHead): Promise<void> => {
    try {
      await publisher.publish(head);
    } catch (error: unknown) {
      logger.error('publishing a signed head failed', { treeSize: head.treeSize, error: errorMessage(error) });
    }
  };
  const ledger = createLedger({
    db,
    clock,
    writing: { tree: stores.tree, tip: stores.tip, signer, heads, guard: integrity.guard, onHead: (head) => void publish(head) },
    reportError: (error) => logger.error('ledger commit listener failed', { error: errorMessage(error) }),
  });
  const maintenance = createLedgerMaintenance({
    db,
    transact,
    ledger,
    heads,
    segments: stores.segments,
    archive,
    signer,
    settings,
    clock,
    logger,
    writable: integrity.writable,
    publish,
  });
  const hub = createSubscriptionHub({
    ledger,
    source: {
      head: () => ledger.head().seq,
      oldestLiveSeq: () => ledger.oldestLiveSeq(),
      entries: (from, to, limit) => ledger.entries(from, to, limit),
      archivedSegments: () => stores.segments.archived(),
      archive,
    },
    limits: {
      maxQueuedEntries: settings.subscriberMaxBufferedEntries,
      maxQueuedBytes: settings.subscriberMaxBufferedBytes,
      pageSize: CATCH_UP_PAGE,
    },
    reportError: (error) => logger.error('ledger subscription failed', { error: errorMessage(error) }),
  });
  hubRef.hub = hub;
  const trustedKeys = new Map([...settings.trustedKeys, [signer.publicKey, signer.keyId]]);
  const verifier = createVerifier({ ledger, ...stores, archive, trustedKeys, tipMac: signer.mac, holdPruning: maintenance.holdPruning });
  if (registry) registerLedgerMetrics(registry, { hub: () => hub.stats(), oldestLiveSeq: () => ledger.oldestLiveSeq() });

  return {
    ledger,
    hub,
    maintenance,
    archive,
    signer,
    integrity,
    proofs: createProofs({ ledger, heads: stores.heads, tree: stores.tree }),
    start: () => verifyAtStart({ db, ledger, ...stores, signer: heads, verify: verifier, files, publisher, integrity, logger }),
    async verify(range) {
      const inDataDir = await readHeadFile(files.dataDir);
      const outside = files.outside === undefined ? undefined : await readHeadFile(files.outside);
      const trustedHeads = [inDataDir, outside].filter((n): n is string => n !== undefined);
      return verifier({ ...range, trustedHeads, dataDirHeadMissing: inDataDir === undefined });
    },
    record: (event) => transact((tx) => ledger.append(tx, [event])[0]!),
    readEntries: (query) => readEntriesPage(ledger, query),
    closeStreams: () => hub.close(Math.min(5000, config.shutdownGraceMs / 2)),
  };
}

function createHeadKey(config: LedgerSubsystemDeps['config'], logger: Logger): Signer {
  if (!config.signingKeyGenerated) {
    const signer = createSigner(config.signingKey, config.signingKeyId);
    logger.info('ledger heads signed', { keyId: signer.keyId, algorithm: 'ed25519', publicKey: signer.publicKey });
    return signer;
  }
  // Outside production only (config refuses production without a key).
  const dev = loadOrCreateDevKey(config.dataDir);
  const signer = createSigner(dev.secret, DEV_KEY_ID);
  logger.warn(
    'NO CORTEX_SIGNING_KEY SET: ledger heads are signed with a DEVELOPMENT key stored in the data directory; anyone who can read it can forge them. Set CORTEX_SIGNING_KEY for real use.',
    { keyPath: dev.path, created: dev.created, keyId: signer.keyId, publicKey: signer.publicKey },
  );
  return signer;
}
