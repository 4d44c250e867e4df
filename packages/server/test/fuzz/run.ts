import fc from 'fast-check';
import type { DescMethod } from '@bufbuild/protobuf';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { VerifyResponse } from '@cortex/proto/cortex/v1/ledger_service';
import { HealthCheckResponse, HealthCheckResponse_ServingStatus } from '@cortex/proto/grpc/health/v1/health';
import { codeName, findMethod, METHODS, methodPath, RawClient } from '../raw-grpc.js';
import { mutate, mutations, type Mutation } from './mutate.js';
import { generatedRequest, type GeneratedRequest } from './requests.js';

/**
 * The fuzzer behind `npm run test:fuzz` and test/fuzz/fuzz.test.ts: generated requests for every
 * RPC in the descriptor set, and byte-level mutations of them, sent as raw bytes to a real server
 * until the time is up. A call fails the run when its status is not one a bad request may get
 * (INTERNAL, UNKNOWN, UNAVAILABLE, DEADLINE_EXCEEDED...); so does a server that is not SERVING, or
 * a ledger that does not Verify, afterwards.
 */
export interface FuzzOptions {
  readonly address: string;
  readonly seconds: number;
  /** Replays a run: the seed (and path) a failure report printed. */
  readonly seed?: number;
  readonly path?: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly runs: number;
  readonly seconds: number;
  /** Calls per RPC and status. */
  readonly outcomes: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Undefined when every call, the health check and Verify passed. */
  readonly failure: string | undefined;
}

const ANSWERS_TO_BAD_INPUT = new Set<GrpcStatus>([
  GrpcStatus.OK,
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.ALREADY_EXISTS,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

interface FuzzCase {
  readonly request: GeneratedRequest;
  readonly mutations: readonly Mutation[];
  readonly bytes: Buffer;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const raw = new RawClient(options.address);
  const outcomes: Record<string, Record<string, number>> = {};
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fff_ffff);
  const started = Date.now();
  try {
    const property = fc.asyncProperty(fuzzCases(), async (fuzzCase) => {
      const outcome = await raw.call(fuzzCase.request.method, fuzzCase.bytes, { streamMs: 100 });
      const perRpc = (outcomes[methodPath(fuzzCase.request.method)] ??= {});
      perRpc[codeName(outcome.code)] = (perRpc[codeName(outcome.code)] ?? 0) + 1;
      if (!acceptable(fuzzCase.request.method, outcome.code)) throw new Error(`${codeName(outcome.code)}: ${outcome.details}`);
    });
    const details = await fc.check(property, {
      seed,
      ...(options.path !== undefined ? { path: options.path } : {}),
      numRuns: Number.MAX_SAFE_INTEGER,
      plugins: [fc.interruptAfterTimeLimit(options.seconds * 1000)],
    });
    const failure = details.failed ? failureReport(details, seed) : await afterwards(raw);
    return { seed, runs: details.numRuns, seconds: (Date.now() - started) / 1000, outcomes, failure };
  } finally {
    raw.close();
  }
}

function fuzzCases(): fc.Arbitrary<FuzzCase> {
  const request = fc.constantFrom(...METHODS).chain((method) => generatedRequest(method));
  const generated = request.map((r) => fuzzCase(r, []));
  const mutated = fc.tuple(request, mutations).map(([r, steps]) => fuzzCase(r, steps));
  return fc.oneof(generated, mutated);
}

/** A case prints itself in the failure report: RPC, request, mutations and the bytes sent (hex). */
function fuzzCase(request: GeneratedRequest, steps: readonly Mutation[]): FuzzCase {
  const bytes = steps.length === 0 ? request.bytes : mutate(request.bytes, steps);
  return {
    request,
    mutations: steps,
    bytes,
    [fc.toStringMethod]: () =>
      JSON.stringify(
        { rpc: methodPath(request.method), request: request.init, mutations: steps, bytes: bytes.toString('hex') },
        (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value),
        2,
      ),
  } as FuzzCase;
}

/** CANCELLED is the fuzzer's own doing on a server stream it stopped reading. */
function acceptable(method: DescMethod, code: GrpcStatus): boolean {
  return ANSWERS_TO_BAD_INPUT.has(code) || (method.methodKind === 'server_streaming' && code === GrpcStatus.CANCELLED);
}

function failureReport(details: fc.RunDetails<unknown>, seed: number): string {
  const replay = `npm run test:fuzz -- --seed ${seed} --path "${details.counterexamplePath ?? ''}"`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${fc.defaultReportMessage(details) ?? 'failed'}\n\nThe server answered: ${error}\nReplay it with: ${replay}`;
}

/** The server must still serve and its ledger still verify after everything the fuzzer sent. */
async function afterwards(raw: RawClient): Promise<string | undefined> {
  const health = await raw.call(findMethod('/grpc.health.v1.Health/Check'), Buffer.alloc(0));
  const [healthBytes] = health.messages;
  if (healthBytes === undefined || HealthCheckResponse.decode(healthBytes).status !== HealthCheckResponse_ServingStatus.SERVING) {
    return `the server is not SERVING after the fuzz (${codeName(health.code)} ${health.details})`;
  }
  const verified = await raw.call(findMethod('/cortex.v1.LedgerService/Verify'), Buffer.alloc(0));
  const [verifyBytes] = verified.messages;
  const result = verifyBytes === undefined ? undefined : VerifyResponse.decode(verifyBytes);
  if (result?.ok !== true) return `Verify fails after the fuzz (${codeName(verified.code)} ${result?.reason ?? verified.details})`;
  return undefined;
}
