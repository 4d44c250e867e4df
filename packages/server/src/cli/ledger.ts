import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTrustedKeys } from '../config/index.js';
import { CortexError, errorMessage } from '../errors.js';
import { DEV_KEY_ID, readDevKey } from '../ledger/dev-key.js';
import { parseHead } from '../ledger/heads.js';
import { openNote, type TrustedKeys } from '../ledger/note.js';
import { publicKeyFromSecret, tipMacFromSecret } from '../ledger/signing.js';
import { openLedgerStores, type LedgerStores } from '../ledger/stores.js';
import { writeHeadFile } from '../ledger/trusted-heads.js';
import { verifyDataDir, type Consistency } from '../ledger/verify-data-dir.js';
import type { VerifyReport } from '../ledger/verify/index.js';
import { schemaVersion } from '../storage/index.js';

/** The schema migration that added the Merkle tree and signed heads the verifier reads. */
const SIGNED_HEADS_SCHEMA = 8;

export const LEDGER_USAGE = `usage: cortex ledger verify [--from N] [--to M] [--trusted-head FILE] [common options]
       cortex ledger head --out FILE [common options]
common options: [--data-dir DIR] [--archive-dir DIR] [--trust KEY_ID:PUBLIC_KEY_HEX]... [--trust-dev-key] [--json]

verify  recomputes every hash, link and Merkle node of the ledger in DIR (default CORTEX_DATA_DIR
        or ./data) and its cold archive, and checks every signed head, manifest and the tip. With
        --trusted-head it also proves (consistency proof) that the ledger extends a head exported
        earlier, so a truncation, rewrite or deleted heads behind that head fail.
head    exports the newest signed head to FILE, for a later verify --trusted-head.

Run it with the server stopped, ideally on a copy of the data directory; the database is opened
read-only. Trusted keys: the one derived from CORTEX_SIGNING_KEY (which also checks the tip
seal), those in CORTEX_LEDGER_TRUSTED_KEYS and --trust. A development key found in the data
directory is trusted only with --trust-dev-key: whoever can write the directory can plant one.

exit status: 0 ok, 1 the ledger failed verification, 2 usage error, 66 no ledger in DIR`;

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  'trusted-head': { type: 'string' },
  'data-dir': { type: 'string' },
  'archive-dir': { type: 'string' },
  trust: { type: 'string', multiple: true },
  'trust-dev-key': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>['values'];

class UsageError extends Error {}

/** `cortex ledger <subcommand>`; resolves to the exit code. */
export async function runLedgerCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'verify' && subcommand !== 'head') {
    console.error(subcommand ? `cortex ledger: unknown subcommand "${subcommand}"\n\n${LEDGER_USAGE}` : LEDGER_USAGE);
    return 2;
  }
  try {
    const options = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false }).values;
    const dataDir = resolve(options['data-dir'] ?? env.CORTEX_DATA_DIR ?? './data');
    const dbPath = join(dataDir, 'cortex.db');
    if (!existsSync(dbPath)) {
      console.error(`cortex ledger ${subcommand}: no database at ${dbPath}`);
      return 66;
    }
    const keys = trustedKeys(options, env, dataDir);
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      if (schemaVersion(db) < SIGNED_HEADS_SCHEMA) throw new UsageError(`the database is at schema ${schemaVersion(db)}: it predates signed tree heads (docs/ledger.md, Upgrading)`);
      if (subcommand === 'head') return await exportHead(openLedgerStores(db), keys.trusted, options);
      const { report, consistency } = await verifyDataDir({
        db,
        dataDir,
        archiveDir: resolve(options['archive-dir'] ?? env.CORTEX_LEDGER_ARCHIVE_DIR ?? join(dataDir, 'ledger', 'archive')),
        trustedKeys: keys.trusted,
        tipMac: keys.tipMac,
        trustedHead: await outsideHead(options, env),
        fromSeq: seqOption(options.from, '--from'),
        toSeq: seqOption(options.to, '--to'),
      });
      return printVerification(report, consistency, options);
    } finally {
      db.close();
    }
  } catch (error: unknown) {
    if (error instanceof UsageError || (error instanceof CortexError && error.kind === 'OUT_OF_RANGE') || isParseError(error)) {
      console.error(`cortex ledger ${subcommand}: ${errorMessage(error)}\n\n${LEDGER_USAGE}`);
      return 2;
    }
    throw error;
  }
}

/** --trusted-head, else CORTEX_LEDGER_TRUSTED_HEAD_FILE, as its note. */
async function outsideHead(options: Options, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const path = options['trusted-head'] ?? env.CORTEX_LEDGER_TRUSTED_HEAD_FILE;
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error: unknown) {
    throw new UsageError(`cannot read the trusted head ${path}: ${errorMessage(error)}`);
  }
}

function printVerification(report: VerifyReport, consistency: Consistency | undefined, options: Options): number {
  const ok = report.ok && (consistency === undefined || consistency.ok);
  if (options.json) {
    console.log(JSON.stringify({ ...report, ok, ...(consistency ? { consistency } : {}) }));
  } else if (!report.ok) {
    console.log(`ledger FAILED at seq ${report.firstBadSeq}: ${report.reason}`);
  } else if (consistency && !consistency.ok) {
    console.log(`ledger FAILED: ${consistency.detail}`);
  } else {
    console.log(
      `ledger OK: ${report.entriesChecked} entries (seq ${report.fromSeq}..${report.toSeq}) and ${report.checkpointsChecked} signed heads verified; last entry ${report.headSeq}` +
        (consistency ? `; ${consistency.detail}` : ''),
    );
  }
  return ok ? 0 : 1;
}

async function exportHead(stores: LedgerStores, trusted: TrustedKeys, options: Options): Promise<number> {
  if (options.out === undefined) throw new UsageError('--out FILE is required');
  const stored = stores.heads.newest();
  const head = parseHead(stored?.note ?? '');
  if (stored === undefined || head === undefined) {
    console.log('ledger FAILED: no signed head to export');
    return 1;
  }
  const opened = openNote(stored.note, trusted);
  if ('problem' in opened) {
    console.log(`ledger FAILED at seq ${head.treeSize}: the newest signed head: ${opened.problem}`);
    return 1;
  }
  if (!stores.tree.root(head.treeSize).equals(head.rootHash)) {
    console.log(`ledger FAILED at seq ${head.treeSize}: the newest signed head does not match the Merkle tree`);
    return 1;
  }
  await writeHeadFile(resolve(options.out), stored.note);
  const summary = { treeSize: head.treeSize, rootHash: head.rootHash.toString('hex'), keyId: opened.keyId, time: new Date(head.time).toISOString(), file: resolve(options.out) };
  if (options.json) console.log(JSON.stringify(summary));
  else console.log(`signed head at tree size ${summary.treeSize} (key ${summary.keyId}, ${summary.time}) written to ${summary.file}; run \`cortex ledger verify\` to check the entries under it`);
  return 0;
}

function seqOption(raw: string | undefined, flag: string): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`${flag} must be a non-negative integer`);
  return value;
}

/** The keys this run trusts, said out loud on stderr; the tip MAC when the secret is known. */
function trustedKeys(
  options: Options,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): { trusted: TrustedKeys; tipMac: ((text: string) => string) | undefined } {
  const fromEnv = parseTrustedKeys(env.CORTEX_LEDGER_TRUSTED_KEYS ?? '');
  const fromFlags = parseTrustedKeys((options.trust ?? []).join(','));
  const problems = [...fromEnv.problems, ...fromFlags.problems];
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const sources = new Map<string, { keyId: string; source: string }>();
  for (const [publicKey, keyId] of fromEnv.keys) sources.set(publicKey, { keyId, source: 'CORTEX_LEDGER_TRUSTED_KEYS' });
  for (const [publicKey, keyId] of fromFlags.keys) sources.set(publicKey, { keyId, source: '--trust' });
  let secret = env.CORTEX_SIGNING_KEY ?? '';
  if (secret !== '') sources.set(publicKeyFromSecret(secret), { keyId: env.CORTEX_SIGNING_KEY_ID ?? 'default', source: 'CORTEX_SIGNING_KEY' });
  if (options['trust-dev-key']) {
    const devKey = readDevKey(dataDir);
    if (devKey === undefined) throw new UsageError('--trust-dev-key: the data directory holds no development key');
    sources.set(publicKeyFromSecret(devKey), { keyId: DEV_KEY_ID, source: 'the data directory (--trust-dev-key: anyone who can write it could have planted it)' });
    if (secret === '') secret = devKey;
  }
  if (sources.size === 0) console.error('cortex ledger: trusting no key (set CORTEX_SIGNING_KEY, CORTEX_LEDGER_TRUSTED_KEYS or --trust): every signature will fail');
  for (const [publicKey, { keyId, source }] of sources) console.error(`cortex ledger: trusting key "${keyId}" ${publicKey} from ${source}`);
  if (secret === '') console.error('cortex ledger: no signing secret: entries after the newest signed head cannot be authenticated (tip seal)');
  return { trusted: new Map([...sources].map(([publicKey, { keyId }]) => [publicKey, keyId])), tipMac: secret === '' ? undefined : tipMacFromSecret(secret) };
}

function isParseError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}
