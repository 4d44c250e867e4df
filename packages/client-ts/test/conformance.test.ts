// The TypeScript runner of the conformance suite (conformance/README.md): every scenario's calls go
// through CortexClient's public methods, chosen and fed generically from the RPC name and the
// request's proto3 JSON (converted with @cortex/proto's generated codecs), so a new scenario
// needs no code here.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as agentMessages from '@cortex/proto/cortex/v1/agent_service';
import * as contextMessages from '@cortex/proto/cortex/v1/context_service';
import * as ledgerMessages from '@cortex/proto/cortex/v1/ledger_service';
import * as memoryMessages from '@cortex/proto/cortex/v1/memory_service';
import * as cortex from '../src/index.js';
import { startServer, type CortexProcess } from './server.js';

const CONFORMANCE = join(import.meta.dirname, '..', '..', '..', 'conformance');
const SCENARIOS = readdirSync(join(CONFORMANCE, 'scenarios')).filter((f) => f.endsWith('.json')).sort();
const TAKE_TIMEOUT_MS = 10_000;
const RUN = randomBytes(4).toString('hex');
/** The generated message codecs, by name, to turn a step's JSON into a request and a result back into JSON. */
const MESSAGES: Readonly<Record<string, unknown>> = { ...agentMessages, ...contextMessages, ...ledgerMessages, ...memoryMessages };

interface ServerEnv {
  readonly env: Record<string, string>;
  readonly keys: Record<string, string>;
}

interface Step {
  readonly call: string;
  readonly as?: string;
  readonly request?: unknown;
  readonly iterate?: boolean;
  readonly take?: number;
  readonly expect?: Expect;
  readonly save?: Record<string, string>;
}

interface Expect {
  readonly code?: string;
  readonly reason?: string;
  readonly fieldViolations?: string[];
  readonly response?: unknown;
  readonly items?: unknown;
  readonly messages?: unknown;
}

interface Outcome {
  readonly code: string;
  readonly reason?: string;
  readonly fieldViolations?: string[];
  readonly response?: unknown;
  readonly items?: unknown[];
  readonly messages?: unknown[];
}

/** A generated message type: what ts-proto emits for every request and response. */
interface Codec {
  fromJSON(object: unknown): unknown;
  toJSON(message: unknown): unknown;
}

type Method = (request: unknown, options?: cortex.CallOptions) => unknown;

const serverEnv = JSON.parse(readFileSync(join(CONFORMANCE, 'server-env.json'), 'utf8')) as ServerEnv;

describe('conformance scenarios through @cortex/client', function () {
  let server: CortexProcess | undefined;
  const clients = new Map<string, cortex.CortexClient>();

  before(async () => {
    server = await startServer({ env: serverEnv.env });
  });
  after(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  });

  const clientAs = (name: string): cortex.CortexClient => {
    let client = clients.get(name);
    if (client === undefined) {
      if (server === undefined) throw new Error('the server has not started');
      const apiKey = serverEnv.keys[name];
      if (apiKey === undefined) throw new Error(`server-env.json has no key named ${name}`);
      client = new cortex.CortexClient({ address: server.address, apiKey, defaultDeadlineMs: 20_000 });
      clients.set(name, client);
    }
    return client;
  };

  it('has scenarios for every area', () => {
    const areas = new Set(SCENARIOS.map((file) => file.split('-')[0]));
    expect([...areas]).to.include.members(['memory', 'context', 'agent', 'errors']);
  });

  SCENARIOS.forEach((file, number) => {
    it(file.replace(/\.json$/, ''), async () => {
      const scenario = JSON.parse(readFileSync(join(CONFORMANCE, 'scenarios', file), 'utf8')) as { name: string; steps: Step[] };
      const saved: Record<string, unknown> = { ns: `conf-${RUN}-ts${number}` };
      for (const [index, rawStep] of scenario.steps.entries()) {
        const step = substitute(rawStep, saved) as Step;
        const outcome = await perform(clientAs(step.as ?? 'default'), step);
        const problems = check(step.expect ?? {}, outcome);
        if (problems.length > 0) {
          throw new Error(`${scenario.name}: ${file} step ${index} (${step.call}):\n  ${problems.join('\n  ')}`);
        }
        for (const [name, dotted] of Object.entries(step.save ?? {})) saved[name] = lookup(outcome.response, dotted);
      }
    });
  });
});

/** Calls the SDK method for `step` and returns what happened as JSON. */
async function perform(client: cortex.CortexClient, step: Step): Promise<Outcome> {
  const rpc = step.call.replace(/^cortex\.v1\./, '').split('.')[1] ?? '';
  const request = codec(`${rpc}Request`).fromJSON(step.request ?? {});
  const response = codec(`${rpc}Response`);
  try {
    if (step.take !== undefined) return { code: 'OK', messages: await take(client, request, step.take, response) };
    if (step.iterate) return { code: 'OK', items: await allItems(client, rpc, request, response) };
    return { code: 'OK', response: response.toJSON(await method(client, lowerFirst(rpc))(request)) };
  } catch (thrown) {
    const error = cortex.CortexError.from(thrown);
    return {
      code: error.codeName,
      reason: error.reason,
      fieldViolations: [...new Set(error.fieldViolations.map((v) => v.field))].sort(),
    };
  }
}

/** The SDK's all-pages iterator (`listAllMemories` for ListMemories) when it has one; else the page method, page by page. */
async function allItems(client: cortex.CortexClient, rpc: string, request: unknown, response: Codec): Promise<unknown[]> {
  const itemsField = (page: Record<string, unknown>) => Object.keys(page).find((k) => Array.isArray(page[k])) ?? '';
  const iteratorName = lowerFirst(rpc).replace(/^(list|get)/, '$1All');
  const items: unknown[] = [];
  if (typeof (client as unknown as Record<string, unknown>)[iteratorName] === 'function') {
    const iterator = method(client, iteratorName)(request) as AsyncIterable<unknown>;
    for await (const item of iterator) items.push(item);
    const itemCodec = items.length > 0 ? itemCodecOf(response, rpc) : undefined;
    return items.map((item) => (itemCodec ? itemCodec(item) : item));
  }
  let pageToken = '';
  do {
    const page = (await method(client, lowerFirst(rpc))({ ...(request as object), pageToken })) as Record<string, unknown>;
    const json = response.toJSON(page) as Record<string, unknown>;
    items.push(...((json[itemsField(page)] as unknown[] | undefined) ?? []));
    pageToken = typeof page.nextPageToken === 'string' ? page.nextPageToken : '';
  } while (pageToken !== '');
  return items;
}

/** Converts one item of a page to JSON through the page's own codec (a page holding just that item). */
function itemCodecOf(response: Codec, rpc: string): (item: unknown) => unknown {
  const empty = response.fromJSON({}) as Record<string, unknown>;
  const field = Object.keys(empty).find((k) => Array.isArray(empty[k]));
  if (field === undefined) throw new Error(`${rpc}Response has no repeated field`);
  return (item) => ((response.toJSON({ ...empty, [field]: [item] }) as Record<string, unknown[]>)[field] ?? [])[0];
}

/** The first `count` commits of a subscription, as SubscribeResponse JSON; progress messages are skipped. */
async function take(client: cortex.CortexClient, request: unknown, count: number, response: Codec): Promise<unknown[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), TAKE_TIMEOUT_MS);
  const messages: unknown[] = [];
  try {
    const stream = method(client, 'subscribe')(request, { signal: stop.signal }) as AsyncIterable<{ commit?: unknown }>;
    for await (const message of stream) {
      if (message.commit === undefined) continue;
      messages.push(response.toJSON(message));
      if (messages.length === count) break;
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  if (messages.length < count) throw new Error(`only ${messages.length} of ${count} commits within ${TAKE_TIMEOUT_MS} ms`);
  return messages;
}

function method(client: cortex.CortexClient, name: string): Method {
  const found = (client as unknown as Record<string, unknown>)[name];
  if (typeof found !== 'function') throw new Error(`CortexClient has no method ${name}`);
  return (found as Method).bind(client);
}

function codec(name: string): Codec {
  const found = MESSAGES[name] as Codec | undefined;
  if (found === undefined || typeof found.fromJSON !== 'function') throw new Error(`@cortex/proto has no message ${name}`);
  return found;
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function check(expected: Expect, outcome: Outcome): string[] {
  const code = expected.code ?? 'OK';
  if (outcome.code !== code) {
    const detail = outcome.code === 'OK' ? '' : ` (${outcome.reason}, ${JSON.stringify(outcome.fieldViolations)})`;
    return [`code: expected ${code}, got ${outcome.code}${detail}`];
  }
  const problems: string[] = [];
  if (expected.reason !== undefined && outcome.reason !== expected.reason) {
    problems.push(`reason: expected ${expected.reason}, got ${outcome.reason}`);
  }
  if (expected.fieldViolations !== undefined) {
    const want = [...new Set(expected.fieldViolations)].sort();
    if (JSON.stringify(want) !== JSON.stringify(outcome.fieldViolations)) {
      problems.push(`fieldViolations: expected ${JSON.stringify(want)}, got ${JSON.stringify(outcome.fieldViolations)}`);
    }
  }
  for (const key of ['response', 'items', 'messages'] as const) {
    if (expected[key] !== undefined) problems.push(...match(expected[key], outcome[key], key));
  }
  return problems;
}

/**
 * Where `actual` differs from `expected`: objects compare the expected keys only; arrays the same
 * length, in order; "*" means present; {"$len": N} an array of N; an int64 string equals the number.
 * A key the JSON left out holds its default, so it matches 0, "0", "", false, [] and {}.
 */
function match(expected: unknown, actual: unknown, path: string): string[] {
  if (expected === '*') return actual === undefined ? [`${path}: expected a value, got none`] : [];
  if (isObject(expected) && Object.keys(expected).length === 1 && '$len' in expected) {
    const length = Array.isArray(actual) ? actual.length : actual === undefined ? 0 : undefined;
    return length === expected.$len ? [] : [`${path}: expected ${String(expected.$len)} items, got ${JSON.stringify(actual)}`];
  }
  if (actual === undefined && isDefault(expected)) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} items, got ${JSON.stringify(actual)}`];
    }
    return expected.flatMap((e, i) => match(e, actual[i], `${path}.${i}`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => match(value, actual[key], `${path}.${key}`));
  }
  return sameScalar(expected, actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDefault(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return value === 0 || value === '0' || value === '' || value === false;
}

function sameScalar(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string' && typeof actual === 'number') return Number(expected) === actual;
  if (typeof expected === 'number' && typeof actual === 'string') return expected === Number(actual);
  return expected === actual;
}

function substitute(value: unknown, saved: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]));
  if (typeof value !== 'string') return value;
  const whole = /^\$\{(\w+)\}$/.exec(value);
  if (whole) return saved[whole[1] ?? ''];
  return value.replace(/\$\{(\w+)\}/g, (_, name: string) => String(saved[name]));
}

function lookup(value: unknown, dotted: string): unknown {
  let current = value;
  for (const part of dotted.split('.')) {
    if (Array.isArray(current)) current = current[Number(part)];
    else if (isObject(current)) current = current[part];
    else throw new Error(`cannot save ${dotted} from ${JSON.stringify(value)}`);
  }
  return current;
}
