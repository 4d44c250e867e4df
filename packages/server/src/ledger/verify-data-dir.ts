import { join } from 'node:path';
import type { Db } from '../storage/index.js';
import { createArchive } from './archive.js';
import { parseHead } from './heads.js';
import { createLedger } from './index.js';
import { verifyConsistency } from './merkle.js';
import { openNote, type TrustedKeys } from './note.js';
import { openLedgerStores, type LedgerStores } from './stores.js';
import { readHeadFile, TRUSTED_HEAD_PATH } from './trusted-heads.js';
import { createVerifier, type VerifyRange, type VerifyReport } from './verify/index.js';

export interface DataDirVerifyOptions extends VerifyRange {
  /** Opened read-only: nothing here writes. */
  readonly db: Db;
  readonly dataDir: string;
  readonly archiveDir: string;
  readonly trustedKeys: TrustedKeys;
  /** The tip MAC, when the signing secret is known. */
  readonly tipMac?: ((text: string) => string) | undefined;
  /** A head exported earlier and kept outside the data directory (`--trusted-head`), as its note. */
  readonly trustedHead?: string | undefined;
}

export interface Consistency {
  readonly ok: boolean;
  readonly detail: string;
}

export interface DataDirVerification {
  readonly report: VerifyReport;
  /** With a trusted head: the consistency proof from it to the newest head. */
  readonly consistency?: Consistency;
}

/**
 * Verifies a stopped server's data directory (what `cortex ledger verify` does): every entry,
 * Merkle node, signed head, manifest and the tip, against the data directory's last trusted head
 * and, when given, one kept outside it; then proves the newest head extends that one.
 */
export async function verifyDataDir(options: DataDirVerifyOptions): Promise<DataDirVerification> {
  const stores = openLedgerStores(options.db);
  const verify = createVerifier({
    ledger: createLedger({ db: options.db, clock: Date.now }),
    ...stores,
    archive: createArchive(options.archiveDir),
    trustedKeys: options.trustedKeys,
    tipMac: options.tipMac,
  });
  const inDataDir = await readHeadFile(join(options.dataDir, TRUSTED_HEAD_PATH));
  const trustedHeads = [inDataDir, options.trustedHead].filter((n): n is string => n !== undefined);
  const dataDirHeadMissing = inDataDir === undefined;
  const report = await verify({ fromSeq: options.fromSeq, toSeq: options.toSeq, trustedHeads, dataDirHeadMissing });
  if (!report.ok || options.trustedHead === undefined) return { report };
  return { report, consistency: consistencyWith(stores, options.trustedKeys, options.trustedHead) };
}

/** The consistency proof from a trusted head to the newest head, checked against both signed roots. */
function consistencyWith(stores: LedgerStores, trusted: TrustedKeys, note: string): Consistency {
  const from = parseHead(note);
  const to = parseHead(stores.heads.newest()?.note ?? '');
  if (from === undefined || to === undefined) return { ok: false, detail: 'no signed head to prove consistency with' };
  if ('problem' in openNote(note, trusted)) return { ok: false, detail: 'the trusted head is not signed by a trusted key' };
  const proof = stores.tree.consistencyProof(from.treeSize, to.treeSize);
  const ok = verifyConsistency(from.treeSize, to.treeSize, from.rootHash, to.rootHash, proof);
  return {
    ok,
    detail: ok
      ? `consistency proof from the trusted head (tree size ${from.treeSize}) to the newest head (tree size ${to.treeSize}) verified`
      : `the ledger does not extend the trusted head (tree size ${from.treeSize}): the consistency proof to tree size ${to.treeSize} fails`,
  };
}
