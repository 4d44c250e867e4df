import { performance } from 'node:perf_hooks';
import type { Logger } from 'winston';
import type { Db } from '../storage/index.js';
import type { HeadPublisher } from './head-publisher.js';
import type { HeadSigner } from './head-signer.js';
import { parseHead, type HeadStore } from './heads.js';
import type { Ledger } from './index.js';
import type { Integrity } from './integrity.js';
import type { TreeStore } from './tree.js';
import { readHeadFile, type TrustedHeadFiles } from './trusted-heads.js';
import type { Verifier, VerifyReport } from './verify/index.js';

export interface StartupDeps {
  readonly db: Db;
  readonly ledger: Pick<Ledger, 'head'>;
  readonly heads: HeadStore;
  readonly tree: TreeStore;
  readonly signer: HeadSigner;
  readonly verify: Verifier;
  readonly files: TrustedHeadFiles;
  readonly publisher: HeadPublisher;
  readonly integrity: Integrity;
  readonly logger: Logger;
}

/**
 * Verifies the ledger from the last trusted head (the newer of the data directory's copy and the
 * one outside it) to the last entry before anything appends: the work is bounded by what was
 * written since that head (the server writes the files at every head it signs), not by the size
 * of the ledger. On success it signs a head over any unsigned tail (a crash leaves one; the tip
 * vouched for it) and publishes it; on failure the ledger refuses every write.
 */
export async function verifyAtStart(deps: StartupDeps): Promise<void> {
  const { files, integrity, logger } = deps;
  const started = performance.now();
  const inDataDir = await readHeadFile(files.dataDir);
  const outside = files.outside === undefined ? undefined : await readHeadFile(files.outside);
  if (files.outside !== undefined && outside === undefined) {
    logger.warn('no trusted head at CORTEX_LEDGER_TRUSTED_HEAD_FILE yet; it is written once this start-up verification passes', { path: files.outside });
  }
  const notes = [inDataDir, outside].filter((n): n is string => n !== undefined);
  const problem = missingEvidence(notes, deps);
  if (problem) {
    refuse(deps, problem);
    return;
  }

  const trustedSizes = notes.map((note) => parseHead(note)?.treeSize ?? 0);
  const from = notes.length > 0 ? Math.max(...trustedSizes) + 1 : 0;
  const report = await deps.verify({ fromSeq: from, trustedHeads: notes });
  if (!report.ok) {
    refuse(deps, { seq: report.firstBadSeq, reason: report.reason });
    return;
  }

  integrity.pass();
  const last = deps.ledger.head();
  const head = deps.db.transaction(() => deps.signer.sign(last.seq, last.hash)).immediate();
  await deps.publisher.publish(head);
  logger.info('ledger verified at start', summary(report, from, performance.now() - started));
}

/** Why there is nothing to verify from, when that is evidence of tampering or of an old ledger. */
function missingEvidence(notes: readonly string[], { ledger, heads, tree }: StartupDeps): { seq: number; reason: string } | undefined {
  const newest = heads.newest();
  const last = ledger.head().seq;
  if (newest === undefined && last > 0 && tree.nodeCount() === 0) {
    return { seq: 1, reason: 'the ledger has no Merkle tree or signed heads: it was written before schema 8 (docs/ledger.md, Upgrading)' };
  }
  if (newest !== undefined && notes.length === 0) {
    return { seq: newest.treeSize, reason: 'the last trusted head (ledger/trusted-head in the data directory) is missing' };
  }
  return undefined;
}

function refuse({ integrity, logger }: StartupDeps, failure: { seq: number; reason: string }): void {
  integrity.fail(failure.seq, failure.reason);
  logger.error(
    `LEDGER INTEGRITY CHECK FAILED at seq ${failure.seq}: ${failure.reason}. Every write is refused (FAILED_PRECONDITION, reason LEDGER_INTEGRITY_FAILED) ` +
      'so no sequence number is reused; reads keep working and LedgerService reports NOT_SERVING. To investigate, stop the server, copy the data ' +
      'directory and run `cortex ledger verify --data-dir <copy> --trusted-head <a head kept outside it>`; then restore the data directory from a ' +
      'backup that verifies and start again.',
    { firstBadSeq: failure.seq, reason: failure.reason },
  );
}

function summary(report: VerifyReport, from: number, ms: number) {
  return {
    fromSeq: from === 0 ? report.fromSeq : from,
    toSeq: report.toSeq,
    entriesChecked: report.entriesChecked,
    headsChecked: report.checkpointsChecked,
    ms: Math.round(ms),
  };
}
