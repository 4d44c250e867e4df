import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Metadata, type ClientReadableStream, type StatusObject } from '@grpc/grpc-js';
import {
  SubscribeRequest,
  type LedgerEntry,
  type LedgerServiceClient,
  type RecordResponse,
  type SubscribeResponse,
} from '@cortex/proto/cortex/v1/ledger_service';
import { call, TEST_MODEL, TEST_MODEL_DIR } from './harness.js';

export const SERVER_DIR = join(import.meta.dirname, '..');

/** Collects a Subscribe stream: every message in order, and the final status. */
export interface Collector {
  readonly stream: ClientReadableStream<SubscribeResponse>;
  readonly messages: SubscribeResponse[];
  /** Entries of every commit received, in order. */
  entries(): LedgerEntry[];
  seqs(): number[];
  progress(): number[];
  /** Resolves once the predicate holds; rejects if the stream ends first. */
  until(predicate: (c: Collector) => boolean): Promise<void>;
  readonly status: Promise<StatusObject>;
  cancel(): void;
}

export function subscribe(client: LedgerServiceClient, request: Partial<SubscribeRequest>): Collector {
  const stream = client.subscribe(SubscribeRequest.fromPartial(request), new Metadata());
  const messages: SubscribeResponse[] = [];
  const waiters = new Set<{ check: () => boolean; reject: (e: Error) => void }>();
  let ended: StatusObject | undefined;
  const collector: Collector = {
    stream,
    messages,
    entries: () => messages.flatMap((m) => m.commit?.entries ?? []),
    seqs: () => collector.entries().map((e) => e.seq),
    progress: () => messages.flatMap((m) => (m.progress ? [m.progress.headSeq] : [])),
    until(predicate) {
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          check: () => {
            if (!predicate(collector)) return false;
            waiters.delete(waiter);
            resolve();
            return true;
          },
          reject,
        };
        if (waiter.check()) return;
        if (ended) {
          reject(new Error(`stream ended (${ended.code} ${ended.details}) before the condition held`));
          return;
        }
        waiters.add(waiter);
      });
    },
    status: new Promise<StatusObject>((resolve) => stream.on('status', resolve)),
    cancel: () => stream.cancel(),
  };
  stream.on('data', (message: SubscribeResponse) => {
    messages.push(message);
    for (const waiter of [...waiters]) waiter.check();
  });
  stream.on('error', () => undefined); // the status promise carries it
  void collector.status.then((status) => {
    ended = status;
    for (const waiter of [...waiters]) {
      if (!waiter.check()) waiter.reject(new Error(`stream ended (${status.code} ${status.details}) before the condition held`));
    }
  });
  return collector;
}

export function record(
  client: LedgerServiceClient,
  fields: { namespace?: string; action?: string; agentId?: string; subject?: string } = {},
): Promise<RecordResponse> {
  return call(client.record.bind(client), {
    namespace: fields.namespace ?? 'audit',
    actor: 'tester',
    action: fields.action ?? 'test.event',
    subject: fields.subject ?? '',
    agentId: fields.agentId ?? '',
    payloadJson: '{"k":1}',
  });
}

/** Appends n entries, one transaction each, in order. */
export async function recordMany(client: LedgerServiceClient, n: number, fields: Parameters<typeof record>[1] = {}): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i += 1) seqs.push((await record(client, fields)).entry?.seq ?? 0);
  return seqs;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until the check passes; the mocha timeout bounds it (no timed assertion). */
export async function eventually<T>(check: () => Promise<T | undefined>, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exit: Promise<number | null>;
}

/** Starts `cortex serve` as its own process and resolves once it logs its port. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      CORTEX_EMBEDDING_MODEL: TEST_MODEL,
      CORTEX_MODEL_DIR: TEST_MODEL_DIR,
      CORTEX_PORT: '0',
      CORTEX_METRICS_PORT: '0',
      CORTEX_HOST: '127.0.0.1',
      CORTEX_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { message?: string; grpcPort?: number };
        if (entry.message === 'cortex serving' && entry.grpcPort) resolve(entry.grpcPort);
      } catch {
        // not a log line
      }
    });
  });
  return { child, port, exit };
}

/** Runs the cortex CLI to completion. */
export function runCortexCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: SERVER_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
