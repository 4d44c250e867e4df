import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH } from './signature.js';

export const USAGE = `usage: cortex bridge (--webhook URL | --stdout) [options]

Follows a Cortex server's ledger and forwards each committed transaction, in order, at least once:
POSTed as signed JSON to a webhook, or written to stdout as one JSON line. Its position is kept in
a cursor file, written after every delivered transaction; a restart resumes from it.

Server (like the SDKs):
  --address TARGET        host:port or dns:///name:port (default: $CORTEX_ADDR, else localhost:4949)
                          API key: $CORTEX_API_KEY, sent as authorization: Bearer <key>
  --tls                   TLS, trusting the system's roots (implied by the four below)
  --ca FILE               TLS, trusting this CA (PEM)
  --cert FILE --key FILE  a client certificate for mutual TLS (PEM)
  --server-name NAME      the name the server's certificate must carry, when not the target's

What to follow:
  --namespace NS          only this namespace
  --action ACTION         only these actions (repeat the flag for several)
  --agent-id ID           only entries concerning this agent
  --from-seq N|head       where to start when there is no cursor file yet (default 0: the oldest
                          entry the server keeps live; head: only what is committed from now on)
  --to-seq N              stop after the transaction that contains seq N (default: follow for ever)
  --cursor FILE           the cursor file (default ./cortex-bridge.cursor.json)

Delivery:
  --webhook URL           POST each transaction here (http or https), signed with the secret in
                          $CORTEX_BRIDGE_SECRET or --secret-file FILE (at least ${MIN_SECRET_LENGTH} characters)
  --timeout-ms N          time for one attempt (default 10000)
  --initial-backoff-ms N  first wait between attempts (default 500); doubles, jittered ...
  --max-backoff-ms N      ... up to this (default 60000); a longer Retry-After is honoured
  --breaker-failures N    failed attempts in a row that open the circuit (default 5)
  --breaker-cooldown-ms N how long it stays open before one trial delivery (default 30000)
  --stdout                write NDJSON to stdout instead of calling a webhook

Logs are JSON lines on stderr ($CORTEX_LOG_LEVEL, default info). Exit status: 0 when stopped by
SIGTERM/SIGINT or at --to-seq, 1 when the webhook rejects a transaction (a 4xx other than 408, 425,
429) or the server refuses the subscription, 2 for bad options.`;

export interface TlsFiles {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly serverName?: string | undefined;
}

export interface WebhookSettings {
  readonly kind: 'webhook';
  readonly url: URL;
  /** The secret itself, or where to read it. */
  readonly secret: { readonly value: string } | { readonly file: string };
  readonly timeoutMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
}

export interface BridgeOptions {
  readonly address: string;
  readonly apiKey: string | undefined;
  /** undefined: plaintext. */
  readonly tls: TlsFiles | undefined;
  readonly namespace: string;
  readonly actions: string[];
  readonly agentId: string;
  readonly fromSeq: number | 'head';
  readonly toSeq: number;
  readonly cursorPath: string;
  readonly sink: WebhookSettings | { readonly kind: 'stdout' };
  readonly logLevel: string;
}

/** Bad command-line input; the message names every problem. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS = {
  address: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'server-name': { type: 'string' },
  namespace: { type: 'string' },
  action: { type: 'string', multiple: true },
  'agent-id': { type: 'string' },
  'from-seq': { type: 'string' },
  'to-seq': { type: 'string' },
  cursor: { type: 'string' },
  webhook: { type: 'string' },
  'secret-file': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'initial-backoff-ms': { type: 'string' },
  'max-backoff-ms': { type: 'string' },
  'breaker-failures': { type: 'string' },
  'breaker-cooldown-ms': { type: 'string' },
  stdout: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The bridge's settings from its arguments and environment, or 'help'; throws UsageError. */
export function parseBridgeArgs(args: readonly string[], env: NodeJS.ProcessEnv): BridgeOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const problems: string[] = [];
  const integer = (flag: keyof typeof FLAGS, fallback: number, min: number): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (typeof text !== 'string' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    }
    return value;
  };

  const sink = sinkOf(values, env, integer, problems);
  const fromSeq = values['from-seq'] === 'head' ? 'head' : integer('from-seq', 0, 0);
  const toSeq = integer('to-seq', 0, 1);
  if ((values.cert === undefined) !== (values.key === undefined)) problems.push('--cert and --key go together');
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const tlsWanted = values.tls === true || [values.ca, values.cert, values['server-name']].some((v) => v !== undefined);
  return {
    address: values.address ?? set(env.CORTEX_ADDR) ?? 'localhost:4949',
    apiKey: set(env.CORTEX_API_KEY),
    tls: tlsWanted ? { ca: values.ca, cert: values.cert, key: values.key, serverName: values['server-name'] } : undefined,
    namespace: values.namespace ?? '',
    actions: values.action ?? [],
    agentId: values['agent-id'] ?? '',
    fromSeq,
    toSeq,
    cursorPath: values.cursor ?? 'cortex-bridge.cursor.json',
    sink: sink!,
    logLevel: set(env.CORTEX_LOG_LEVEL) ?? 'info',
  };
}

/** An environment variable's value, an empty one counting as unset (as the SDKs read them). */
const set = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];

function sinkOf(
  values: Values,
  env: NodeJS.ProcessEnv,
  integer: (flag: keyof typeof FLAGS, fallback: number, min: number) => number,
  problems: string[],
): BridgeOptions['sink'] | undefined {
  if (values.stdout === true && values.webhook !== undefined) problems.push('give either --webhook or --stdout, not both');
  if (values.stdout === true) return { kind: 'stdout' };
  if (values.webhook === undefined) {
    problems.push('say where transactions go: --webhook URL or --stdout');
    return undefined;
  }
  const url = URL.canParse(values.webhook) ? new URL(values.webhook) : undefined;
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) problems.push(`--webhook must be an http(s) URL, got ${JSON.stringify(values.webhook)}`);
  const secret = secretOf(values['secret-file'], env.CORTEX_BRIDGE_SECRET, problems);
  const settings = {
    timeoutMs: integer('timeout-ms', 10_000, 1),
    initialBackoffMs: integer('initial-backoff-ms', 500, 0),
    maxBackoffMs: integer('max-backoff-ms', 60_000, 1),
    breakerFailures: integer('breaker-failures', 5, 1),
    breakerCooldownMs: integer('breaker-cooldown-ms', 30_000, 1),
  };
  if (settings.initialBackoffMs > settings.maxBackoffMs) problems.push('--initial-backoff-ms must not exceed --max-backoff-ms');
  return url && secret ? { kind: 'webhook', url, secret, ...settings } : undefined;
}

function secretOf(file: string | undefined, value: string | undefined, problems: string[]): WebhookSettings['secret'] | undefined {
  if (file !== undefined) return { file };
  if (value === undefined || value === '') {
    problems.push('--webhook needs a secret to sign with: $CORTEX_BRIDGE_SECRET or --secret-file FILE');
    return undefined;
  }
  const problem = secretProblem(value, '$CORTEX_BRIDGE_SECRET');
  if (problem !== undefined) problems.push(problem);
  return { value };
}

/** What is wrong with a webhook secret read from `source`, if anything. */
export function secretProblem(secret: string, source: string): string | undefined {
  return secret.length < MIN_SECRET_LENGTH ? `the secret in ${source} must be at least ${MIN_SECRET_LENGTH} characters` : undefined;
}
