// One load-generating client process of bench:load. It reads a DriverSpec (JSON, argv[2]), drives
// the server through gRPC for the given time and prints one JSON DriverResult on stdout.
//   closed loop: `concurrency` workers, each sends its next call when the previous one answered;
//   open loop:   `agents` each send `perAgentPerSec` calls a second on a fixed schedule, whether or
//                not earlier calls have answered; latency counts from the scheduled instant, and
//                a start the process itself made late (its own event loop busy) is counted;
//   probes:      one call at a time, `everyMs` apart, each on a brand-new connection.
// Every worker and agent has its own connection, as separate agents would.
import { credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { MemoryInput, MemoryServiceClient, RecallMode, RecallRequest, RememberRequest, type RememberResponse } from '@cortex/proto/cortex/v1/memory_service';
import { HealthClient } from '@cortex/proto/grpc/health/v1/health';
import { loadTexts } from './texts.js';

export type Work =
  | { readonly kind: 'recall'; readonly namespace: string; readonly queries: 'cached' | 'new'; readonly topK: number }
  | { readonly kind: 'remember'; readonly namespace: string; readonly batch: number }
  | { readonly kind: 'health' };

export type Loop =
  | { readonly type: 'closed'; readonly concurrency: number }
  | { readonly type: 'open'; readonly agents: number; readonly perAgentPerSec: number }
  | { readonly type: 'probes'; readonly everyMs: number };

export interface DriverSpec {
  readonly address: string;
  readonly work: Work;
  readonly loop: Loop;
  readonly durationMs: number;
  /** First text number of this process: "new" texts of different processes never collide. */
  readonly offset: number;
}

export interface DriverResult {
  /** Per call, ms: from the scheduled instant (open loop) or from the send (otherwise). */
  readonly latenciesMs: number[];
  readonly ok: number;
  readonly errors: Record<string, number>;
  /** Memories acknowledged (Remember). */
  readonly items: number;
  readonly elapsedMs: number;
  /** Open loop: calls this process started more than LATE_MS after their scheduled instant. */
  readonly lateStarts: number;
  readonly maxLateMs: number;
}

/** A start this much behind schedule counts as late. */
const LATE_MS = 5;
const DEADLINE_MS = 60_000;
const OWN_CONNECTION: ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };

type Call = () => Promise<number>;

type Done<Res> = (error: ServiceError | null, res: Res) => void;

function unary<Res>(invoke: (metadata: Metadata, options: { deadline: Date }, done: Done<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(new Metadata(), { deadline: new Date(Date.now() + DEADLINE_MS) }, (error, res) => (error ? reject(error) : resolve(res)));
  });
}

/** A function that makes one call on its own connection and resolves to the memories it wrote. */
function callMaker(spec: DriverSpec): () => { call: Call; close: () => void } {
  const { work, address } = spec;
  const texts = loadTexts();
  let next = spec.offset;
  const insecure = credentials.createInsecure();
  if (work.kind === 'health') {
    // A probe is the connection too: a new client per call, closed after it.
    return () => ({
      call: async () => {
        const client = new HealthClient(address, insecure, OWN_CONNECTION);
        try {
          await unary((m, o, done) => client.check({ service: '' }, m, o, done));
        } finally {
          client.close();
        }
        return 0;
      },
      close: () => undefined,
    });
  }
  return () => {
    const client = new MemoryServiceClient(address, insecure, OWN_CONNECTION);
    if (work.kind === 'recall') {
      let cached = spec.offset;
      const query = () => (work.queries === 'new' ? texts.newQuery(next++) : texts.questions[cached++ % texts.questions.length]!);
      return {
        call: async () => {
          const mode = RecallMode.RECALL_MODE_HYBRID;
          const request = RecallRequest.fromPartial({ namespace: work.namespace, query: query(), topK: work.topK, mode });
          await unary((m, o, done) => client.recall(request, m, o, done));
          return 0;
        },
        close: () => client.close(),
      };
    }
    return {
      call: async () => {
        const memories = Array.from({ length: work.batch }, () => MemoryInput.fromPartial({ content: texts.newMemory(next++), kind: 'note' }));
        const request = RememberRequest.fromPartial({ namespace: work.namespace, memories });
        const response = await unary<RememberResponse>((m, o, done) => client.remember(request, m, o, done));
        return response.results.length;
      },
      close: () => client.close(),
    };
  };
}

function recorder() {
  const result = { latenciesMs: [] as number[], ok: 0, errors: {} as Record<string, number>, items: 0, lateStarts: 0, maxLateMs: 0 };
  return {
    result,
    async measure(call: Call, since: number): Promise<void> {
      try {
        const items = await call(); // awaited first: `x += await` would read x before the wait
        result.items += items;
        result.ok += 1;
        result.latenciesMs.push(performance.now() - since);
      } catch (error) {
        const code = String((error as Partial<ServiceError>).code ?? 'client');
        result.errors[code] = (result.errors[code] ?? 0) + 1;
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function closedLoop(concurrency: number, make: Maker, rec: Recorder, end: number) {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const { call, close } = make();
      while (performance.now() < end) await rec.measure(call, performance.now());
      close();
    }),
  );
}

type Maker = ReturnType<typeof callMaker>;
type Recorder = ReturnType<typeof recorder>;

async function openLoop(agents: number, perAgentPerSec: number, make: Maker, rec: Recorder, start: number, end: number) {
  const period = 1000 / perAgentPerSec;
  // Agents are spread evenly over one period, so the process sends agents × rate calls a second, evenly.
  const schedule = Array.from({ length: agents }, (_, a) => ({ agent: make(), due: start + (a * period) / agents }));
  const inflight: Array<Promise<void>> = [];
  for (;;) {
    const soonest = schedule.reduce((min, s) => Math.min(min, s.due), Number.POSITIVE_INFINITY);
    if (soonest >= end) break;
    await sleep(soonest - performance.now());
    const now = performance.now();
    for (const slot of schedule) {
      if (slot.due > now || slot.due >= end) continue;
      const late = now - slot.due;
      if (late > LATE_MS) rec.result.lateStarts += 1;
      rec.result.maxLateMs = Math.max(rec.result.maxLateMs, late);
      inflight.push(rec.measure(slot.agent.call, slot.due));
      slot.due += period;
    }
  }
  await Promise.all(inflight);
  for (const slot of schedule) slot.agent.close();
}

async function probes(everyMs: number, make: Maker, rec: Recorder, end: number) {
  const { call } = make();
  while (performance.now() < end) {
    await rec.measure(call, performance.now());
    await sleep(everyMs);
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as DriverSpec;
  const make = callMaker(spec);
  const rec = recorder();
  const start = performance.now();
  const end = start + spec.durationMs;
  const { loop } = spec;
  if (loop.type === 'closed') await closedLoop(loop.concurrency, make, rec, end);
  else if (loop.type === 'open') await openLoop(loop.agents, loop.perAgentPerSec, make, rec, start, end);
  else await probes(loop.everyMs, make, rec, end);
  const output: DriverResult = { ...rec.result, elapsedMs: performance.now() - start };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

await main();
