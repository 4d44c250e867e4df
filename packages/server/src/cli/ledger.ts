import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTrustedKeys } from '../config/index.js';
import { CortexError, errorMessage } from '../errors.js';
import { createArchive } from '../ledger/archive.js';
import { createCheckpointStore } from '../ledger/checkpoints.js';
import { DEV_KEY_ID, readDevKey } from '../ledger/dev-key.js';
import { createLedger } from '../ledger/index.js';
import { createSegmentStore } from '../ledger/segments.js';
import { publicKeyFromSecret } from '../ledger/signing.js';
import { createVerifier } from '../ledger/verify.js';

export const LEDGER_USAGE = `usage: cortex ledger verify [--from N] [--to M] [--data-dir DIR] [--archive-dir DIR]
                            [--trust KEY_ID:PUBLIC_KEY_HEX]... [--json]

Recomputes every hash and link of the ledger in DIR (default CORTEX_DATA_DIR or ./data) and its
cold archive, and checks every checkpoint signature. Run it with the server stopped, ideally on a
copy of the data directory; the database is opened read-only.

Trusted signing keys: the one derived from CORTEX_SIGNING_KEY, those in
CORTEX_LEDGER_TRUSTED_KEYS and --trust, and (outside CORTEX_ENV=production) the development key
kept in the data directory.

exit status: 0 ok, 1 the ledger failed verification, 2 usage error, 66 no ledger in DIR`;

/** `cortex ledger <subcommand>`; resolves to the exit code. */
export async function runLedgerCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'verify') {
    console.error(subcommand ? `cortex ledger: unknown subcommand "${subcommand}"\n\n${LEDGER_USAGE}` : LEDGER_USAGE);
    return 2;
  }
  let options;
  try {
    options = parseArgs({
      args: [...rest],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        'data-dir': { type: 'string' },
        'archive-dir': { type: 'string' },
        trust: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error: unknown) {
    console.error(`cortex ledger verify: ${errorMessage(error)}\n\n${LEDGER_USAGE}`);
    return 2;
  }
  const fromSeq = seqOption(options.from);
  const toSeq = seqOption(options.to);
  if (fromSeq === undefined || toSeq === undefined) {
    console.error('cortex ledger verify: --from and --to must be non-negative integers');
    return 2;
  }

  const dataDir = resolve(options['data-dir'] ?? env.CORTEX_DATA_DIR ?? './data');
  const dbPath = join(dataDir, 'cortex.db');
  if (!existsSync(dbPath)) {
    console.error(`cortex ledger verify: no database at ${dbPath}`);
    return 66;
  }
  const trusted = trustedKeys(options.trust ?? [], env, dataDir);
  if (trusted.problems.length > 0) {
    for (const problem of trusted.problems) console.error(`cortex ledger verify: ${problem}`);
    return 2;
  }

  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const verify = createVerifier({
      ledger: createLedger({ db, clock: Date.now }),
      segments: createSegmentStore(db),
      checkpoints: createCheckpointStore(db),
      archive: createArchive(resolve(options['archive-dir'] ?? env.CORTEX_LEDGER_ARCHIVE_DIR ?? join(dataDir, 'ledger', 'archive'))),
      trustedKeys: trusted.keys,
    });
    const report = await verify({ fromSeq, toSeq });
    if (options.json) {
      console.log(JSON.stringify(report));
    } else if (report.ok) {
      console.log(
        `ledger OK: ${report.entriesChecked} entries (seq ${report.fromSeq}..${report.toSeq}) and ${report.checkpointsChecked} checkpoint signatures verified; head ${report.headSeq}`,
      );
    } else {
      console.log(`ledger FAILED at seq ${report.firstBadSeq}: ${report.reason}`);
    }
    return report.ok ? 0 : 1;
  } catch (error: unknown) {
    if (error instanceof CortexError && error.kind === 'OUT_OF_RANGE') {
      console.error(`cortex ledger verify: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    db.close();
  }
}

function seqOption(raw: string | undefined): number | undefined {
  if (raw === undefined) return 0;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function trustedKeys(flags: readonly string[], env: NodeJS.ProcessEnv, dataDir: string) {
  const fromEnv = parseTrustedKeys(env.CORTEX_LEDGER_TRUSTED_KEYS ?? '');
  const fromFlags = parseTrustedKeys(flags.join(','));
  const keys = new Map([...fromEnv.keys, ...fromFlags.keys]);
  const secret = env.CORTEX_SIGNING_KEY ?? '';
  if (secret !== '') keys.set(publicKeyFromSecret(secret), env.CORTEX_SIGNING_KEY_ID ?? 'default');
  const devKey = env.CORTEX_ENV === 'production' ? undefined : readDevKey(dataDir);
  if (devKey !== undefined) {
    keys.set(publicKeyFromSecret(devKey), DEV_KEY_ID);
    console.error('cortex ledger verify: trusting the DEVELOPMENT signing key found in the data directory');
  }
  return { keys, problems: [...fromEnv.problems, ...fromFlags.problems] };
}
