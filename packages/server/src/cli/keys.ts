import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateToken, loadKeys, newKeyId, readKeyFile, sha256, writeKeyFile, type ApiKey } from '../auth/index.js';
import { errorMessage } from '../errors.js';

export const KEYS_USAGE = `usage: cortex keys create --principal P --roles read,write --namespaces 'team-a/*,shared' [--id ID] [--file F]
       cortex keys create --principal P --roles read --namespaces shared --certificate 'URI:spiffe://example.org/ci' [--file F]
       cortex keys create --principal P --roles admin [--file F]
       cortex keys list [--file F] [--json]
       cortex keys revoke ID [--file F]

Manages the API key file (--file, default CORTEX_API_KEYS_FILE), created owner-only when missing.
A running server picks up changes within a second, or at once on SIGHUP.

create   adds a key and prints its token once, on standard output: only the token's SHA-256 is
         stored, so it cannot be shown again. With --certificate the key is a client certificate
         (mutual TLS) whose subject CN ("CN=name") or alternative name ("DNS:", "URI:", "email:")
         matches, and no token is made. Roles: read, write, admin (admin holds every namespace).
         Namespaces: a namespace, "<namespace>/*" (everything below it) or "*".
list     shows each key's id, principal, roles, namespaces and what proves it (never a hash)
revoke   removes the key with that id

exit status: 0 ok, 1 the key file could not be read or written, 2 usage error`;

/** `cortex keys <subcommand>`; resolves to the exit code. */
export async function runKeysCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'help' || subcommand === '--help') {
    console.log(KEYS_USAGE);
    return 0;
  }
  let options;
  try {
    options = parseArgs({
      args: [...rest],
      options: {
        principal: { type: 'string' },
        roles: { type: 'string' },
        namespaces: { type: 'string' },
        certificate: { type: 'string' },
        id: { type: 'string' },
        file: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error: unknown) {
    return usage(errorMessage(error));
  }
  const file = options.values.file ?? env.CORTEX_API_KEYS_FILE;
  if (file === undefined || file === '') return usage('name the key file with --file or CORTEX_API_KEYS_FILE');
  const path = resolve(file);
  try {
    switch (subcommand) {
      case 'create':
        return await create(path, options.values);
      case 'list':
        return await list(path, options.values.json === true);
      case 'revoke':
        return await revoke(path, options.positionals[0]);
      default:
        return usage(subcommand ? `unknown subcommand "${subcommand}"` : undefined);
    }
  } catch (error: unknown) {
    console.error(`cortex keys: ${errorMessage(error)}`);
    return 1;
  }
}

interface CreateOptions {
  readonly principal?: string | undefined;
  readonly roles?: string | undefined;
  readonly namespaces?: string | undefined;
  readonly certificate?: string | undefined;
  readonly id?: string | undefined;
}

async function create(path: string, options: CreateOptions): Promise<number> {
  if (options.principal === undefined || options.roles === undefined) return usage('create needs --principal and --roles');
  const existing = existsSync(path) ? await readKeyFile(path) : [];
  const token = options.certificate === undefined ? generateToken() : undefined;
  const key: ApiKey = {
    id: options.id ?? newKeyId(),
    principal: options.principal,
    roles: splitList(options.roles) as ApiKey['roles'],
    ...(options.namespaces === undefined ? {} : { namespaces: splitList(options.namespaces) }),
    ...(token === undefined ? { certificate: options.certificate } : { tokenSha256: sha256(token).toString('hex') }),
    createdAt: new Date().toISOString(),
  };
  const { problems } = loadKeys([...existing, key]);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`cortex keys create: ${problem}`);
    return 2;
  }
  await writeKeyFile(path, [...existing, key], existingText(path));
  console.error(`added key ${key.id} for ${key.principal} to ${path}`);
  if (token !== undefined) console.log(token);
  return 0;
}

async function list(path: string, json: boolean): Promise<number> {
  const keys = existsSync(path) ? await readKeyFile(path) : [];
  const rows = keys.map((k) => ({
    id: k.id,
    principal: k.principal,
    roles: k.roles,
    namespaces: k.namespaces ?? ['*'],
    proof: k.certificate === undefined ? 'token' : `certificate ${k.certificate}`,
    createdAt: k.createdAt ?? null,
  }));
  if (json) console.log(JSON.stringify(rows, null, 2));
  else for (const r of rows) console.log(`${r.id}\t${r.principal}\t${r.roles.join(',')}\t${r.namespaces.join(',')}\t${r.proof}\t${r.createdAt ?? ''}`);
  return 0;
}

async function revoke(path: string, id: string | undefined): Promise<number> {
  if (id === undefined) return usage('revoke needs the id of the key (see cortex keys list)');
  const keys = existsSync(path) ? await readKeyFile(path) : [];
  const kept = keys.filter((k) => k.id !== id);
  if (kept.length === keys.length) {
    console.error(`cortex keys revoke: no key with id "${id}" in ${path}`);
    return 1;
  }
  await writeKeyFile(path, kept, existingText(path));
  console.error(`revoked key ${id}`);
  return 0;
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function existingText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function usage(problem: string | undefined): number {
  console.error(problem ? `cortex keys: ${problem}\n\n${KEYS_USAGE}` : KEYS_USAGE);
  return 2;
}
