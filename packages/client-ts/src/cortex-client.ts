import {
  Client,
  credentials as grpcCredentials,
  type CallOptions as GrpcCallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientUnaryCall,
  type Interceptor,
} from '@grpc/grpc-js';
import { callMetadata, newCorrelationId } from './call-metadata.js';
import { CortexError } from './errors.js';
import {
  GetSnapshotRequest,
  PutStateRequest,
  AgentServiceService,
  type GetSnapshotResponse,
  type PutStateResponse,
} from '@cortex/proto/cortex/v1/agent_service';
import {
  BuildContextRequest,
  ContextServiceService,
  CountTokensRequest,
  type BuildContextResponse,
  type CountTokensResponse,
} from '@cortex/proto/cortex/v1/context_service';
import {
  GetConsistencyProofRequest,
  GetEntriesRequest,
  GetInclusionProofRequest,
  GetSignedHeadRequest,
  LedgerServiceService,
  RecordRequest,
  SubscribeRequest,
  VerifyRequest,
  type GetConsistencyProofResponse,
  type GetEntriesResponse,
  type GetInclusionProofResponse,
  type GetSignedHeadResponse,
  type LedgerEntry,
  type RecordResponse,
  type SubscribeResponse,
  type VerifyResponse,
} from '@cortex/proto/cortex/v1/ledger_service';
import type { Memory } from '@cortex/proto/cortex/v1/memory';
import {
  ForgetRequest,
  GetMemoryRequest,
  ListMemoriesRequest,
  MemoryServiceService,
  RecallRequest,
  RememberRequest,
  RunMaintenanceRequest,
  type ForgetResponse,
  type GetMemoryResponse,
  type ListMemoriesResponse,
  type RecallResponse,
  type RememberResponse,
  type RunMaintenanceResponse,
} from '@cortex/proto/cortex/v1/memory_service';
import { Code } from '@cortex/proto/google/rpc/code';
import { HealthCheckRequest, HealthService, type HealthCheckResponse_ServingStatus } from '@cortex/proto/grpc/health/v1/health';
import { cortexApi } from './api.js';
import { CommitStream, type CommitSubscription } from './commits.js';
import { roundRobinOverHealthy } from './health-checking.js';
import { idempotencyTable, type IdempotencyOf } from './idempotency.js';
import { allPages } from './pages.js';
import type { PartialMessage } from './partial-message.js';
import { retryPolicy, withRetry, type Idempotency, type RetryOptions, type RetryPolicy } from './retry.js';
import { readStream } from './subscription.js';

export interface CortexClientOptions {
  /**
   * The Cortex server: `host:port` (e.g. `localhost:4949`), or `dns:///name:port` for every
   * replica the name resolves to (calls go round-robin to those whose health is SERVING).
   */
  readonly address: string;
  /** Sent as `authorization: Bearer <apiKey>` on every call. */
  readonly apiKey?: string | undefined;
  /** Channel credentials; insecure (plaintext) by default. */
  readonly credentials?: ChannelCredentials | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Deadline of every unary call (retries included) unless the call sets its own. */
  readonly defaultDeadlineMs?: number | undefined;
  /**
   * grpc-js channel options, e.g. keepalive; they override the client's own: the service config
   * (round-robin over healthy replicas) and a reconnect backoff of 100 ms to 2 s.
   */
  readonly channelOptions?: ChannelOptions | undefined;
  /** grpc-js client interceptors; each sees every attempt of every call. */
  readonly interceptors?: Interceptor[] | undefined;
}

/**
 * The channel settings every client starts from: balancing over every address of the target,
 * skipping replicas that are not SERVING, and a restarted server found within a second or two
 * (grpc-js would back off up to 2 minutes). The Python and Go SDKs set the same.
 */
const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
};

export interface SubscribeCommitsOptions extends CallOptions {
  /** Failed reconnects in a row after which the last error is thrown (default: no limit). */
  readonly maxReconnects?: number | undefined;
}

export interface CallOptions {
  /** Time for the whole call, retries included. Overrides the client's default. */
  readonly deadlineMs?: number | undefined;
  /** Sent as `x-correlation-id` (kept across retries); a UUID is generated when absent. */
  readonly correlationId?: string | undefined;
  /** Cancels the call: unary calls reject with CANCELLED, a subscription ends. */
  readonly signal?: AbortSignal | undefined;
}

interface UnaryMethod<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (value: Buffer) => Res;
}

/**
 * The Cortex SDK: one promise-returning method per RPC, over one channel. Every call carries
 * the API key and a correlation id; failures reject with CortexError; calls that proto/ declares
 * safe to repeat are retried on transient failures (see idempotency.ts and retry.ts).
 */
export class CortexClient {
  readonly #grpc: Client;
  readonly #apiKey: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #defaultDeadlineMs: number | undefined;
  readonly #idempotency: ReadonlyMap<string, IdempotencyOf> = idempotencyTable(cortexApi());

  constructor(options: CortexClientOptions) {
    if (!options.address) throw new TypeError('CortexClient needs an address, e.g. "localhost:4949"');
    if (options.apiKey === '') throw new TypeError('apiKey must not be empty; leave it out to send none');
    if (options.defaultDeadlineMs !== undefined && !(options.defaultDeadlineMs > 0)) {
      throw new RangeError(`defaultDeadlineMs must be > 0, got ${options.defaultDeadlineMs}`);
    }
    this.#apiKey = options.apiKey;
    this.#retry = retryPolicy(options.retry);
    this.#defaultDeadlineMs = options.defaultDeadlineMs;
    this.#grpc = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure(), {
      ...DEFAULT_CHANNEL_OPTIONS,
      'grpc.service_config': roundRobinOverHealthy(),
      ...options.channelOptions,
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    });
  }

  // MemoryService

  /** Upserts a batch of memories. Retried only when every item has a client-supplied id. */
  remember(request: PartialMessage<RememberRequest>, options?: CallOptions): Promise<RememberResponse> {
    return this.#unary(MemoryServiceService.remember, RememberRequest.fromPartial(request), options);
  }

  recall(request: PartialMessage<RecallRequest>, options?: CallOptions): Promise<RecallResponse> {
    return this.#unary(MemoryServiceService.recall, RecallRequest.fromPartial(request), options);
  }

  getMemory(request: PartialMessage<GetMemoryRequest>, options?: CallOptions): Promise<GetMemoryResponse> {
    return this.#unary(MemoryServiceService.getMemory, GetMemoryRequest.fromPartial(request), options);
  }

  listMemories(request: PartialMessage<ListMemoriesRequest>, options?: CallOptions): Promise<ListMemoriesResponse> {
    return this.#unary(MemoryServiceService.listMemories, ListMemoriesRequest.fromPartial(request), options);
  }

  /**
   * Every memory matching the request, from its page_token on, fetching pages lazily. The
   * options apply to each page request.
   */
  listAllMemories(request: PartialMessage<ListMemoriesRequest>, options?: CallOptions): AsyncGenerator<Memory, void, undefined> {
    return allPages(async (pageToken) => {
      const page = await this.listMemories({ ...request, pageToken }, options);
      return { items: page.memories, nextPageToken: page.nextPageToken };
    }, request.pageToken);
  }

  /** Deletes memories. Retried only when it names ids. */
  forget(request: PartialMessage<ForgetRequest>, options?: CallOptions): Promise<ForgetResponse> {
    return this.#unary(MemoryServiceService.forget, ForgetRequest.fromPartial(request), options);
  }

  runMaintenance(request: PartialMessage<RunMaintenanceRequest>, options?: CallOptions): Promise<RunMaintenanceResponse> {
    return this.#unary(MemoryServiceService.runMaintenance, RunMaintenanceRequest.fromPartial(request), options);
  }

  // ContextService

  buildContext(request: PartialMessage<BuildContextRequest>, options?: CallOptions): Promise<BuildContextResponse> {
    return this.#unary(ContextServiceService.buildContext, BuildContextRequest.fromPartial(request), options);
  }

  countTokens(request: PartialMessage<CountTokensRequest>, options?: CallOptions): Promise<CountTokensResponse> {
    return this.#unary(ContextServiceService.countTokens, CountTokensRequest.fromPartial(request), options);
  }

  // LedgerService

  /** Appends an audit event. Never retried: a repeat would append a second entry. */
  record(request: PartialMessage<RecordRequest>, options?: CallOptions): Promise<RecordResponse> {
    return this.#unary(LedgerServiceService.record, RecordRequest.fromPartial(request), options);
  }

  getEntries(request: PartialMessage<GetEntriesRequest>, options?: CallOptions): Promise<GetEntriesResponse> {
    return this.#unary(LedgerServiceService.getEntries, GetEntriesRequest.fromPartial(request), options);
  }

  /**
   * Every entry of the range, from its page_token on, fetching pages lazily. The options apply
   * to each page request.
   */
  getAllEntries(request: PartialMessage<GetEntriesRequest>, options?: CallOptions): AsyncGenerator<LedgerEntry, void, undefined> {
    return allPages(async (pageToken) => {
      const page = await this.getEntries({ ...request, pageToken }, options);
      return { items: page.entries, nextPageToken: page.nextPageToken };
    }, request.pageToken);
  }

  verify(request: PartialMessage<VerifyRequest>, options?: CallOptions): Promise<VerifyResponse> {
    return this.#unary(LedgerServiceService.verify, VerifyRequest.fromPartial(request), options);
  }

  /**
   * A signed tree head (the newest, or the one at `treeSize`), unverified: `LedgerVerifier`
   * checks its signature and that it extends the last head you trusted.
   */
  getSignedHead(request: PartialMessage<GetSignedHeadRequest>, options?: CallOptions): Promise<GetSignedHeadResponse> {
    return this.#unary(LedgerServiceService.getSignedHead, GetSignedHeadRequest.fromPartial(request), options);
  }

  /** The Merkle audit path of an entry in a tree size (RFC 9162), unverified: see `LedgerVerifier.verifyEntry`. */
  getInclusionProof(request: PartialMessage<GetInclusionProofRequest>, options?: CallOptions): Promise<GetInclusionProofResponse> {
    return this.#unary(LedgerServiceService.getInclusionProof, GetInclusionProofRequest.fromPartial(request), options);
  }

  /** The Merkle consistency proof between two tree sizes (RFC 9162), unverified: see `LedgerVerifier.refresh`. */
  getConsistencyProof(request: PartialMessage<GetConsistencyProofRequest>, options?: CallOptions): Promise<GetConsistencyProofResponse> {
    return this.#unary(LedgerServiceService.getConsistencyProof, GetConsistencyProofRequest.fromPartial(request), options);
  }

  /**
   * Follows the ledger. The stream opens on the first iteration and ends when the server ends
   * it, when the loop breaks, or when `options.signal` aborts. Never retried: to resume, subscribe
   * again with `fromSeq` = last delivered seq + 1, or use `subscribeCommits`, which does that.
   * Only an explicit `deadlineMs` applies.
   */
  subscribe(request: PartialMessage<SubscribeRequest>, options: CallOptions = {}): AsyncIterable<SubscribeResponse> {
    const deadline = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
    return this.#stream(SubscribeRequest.fromPartial(request), options.correlationId ?? newCorrelationId(), deadline, options.signal);
  }

  /**
   * Follows the ledger one whole transaction at a time: the parts of a large transaction are
   * joined, progress messages only move `nextSeq`, and when the stream breaks (the server
   * restarts or drains: UNAVAILABLE; it cut off a slow reader: RESOURCE_EXHAUSTED) it reconnects
   * with the retry policy's jittered backoff and resumes after the last complete transaction,
   * so nothing is lost or delivered twice. Ends when the range (`toSeq`) is done, when the loop
   * breaks, when the signal aborts, or with an error reconnecting cannot fix. An explicit
   * `deadlineMs` bounds the whole subscription.
   */
  subscribeCommits(request: PartialMessage<SubscribeRequest>, options: SubscribeCommitsOptions = {}): CommitSubscription {
    const correlationId = options.correlationId ?? newCorrelationId();
    const deadline = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
    return new CommitStream({
      request: SubscribeRequest.fromPartial(request),
      open: (message) => this.#stream(message, correlationId, deadline, options.signal),
      policy: this.#retry,
      maxReconnects: options.maxReconnects,
      signal: options.signal,
    });
  }

  #stream(
    message: SubscribeRequest,
    correlationId: string,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): AsyncIterable<SubscribeResponse> {
    const method = LedgerServiceService.subscribe;
    return readStream(
      () =>
        this.#grpc.makeServerStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          message,
          callMetadata(this.#apiKey, correlationId),
          deadline === undefined ? {} : { deadline },
        ),
      { signal, correlationId },
    );
  }

  // AgentService

  getSnapshot(request: PartialMessage<GetSnapshotRequest>, options?: CallOptions): Promise<GetSnapshotResponse> {
    return this.#unary(AgentServiceService.getSnapshot, GetSnapshotRequest.fromPartial(request), options);
  }

  /**
   * Sets and deletes state keys. Never retried, even with expectedVersion: a retry after a
   * lost success would fail with a spurious version conflict.
   */
  putState(request: PartialMessage<PutStateRequest>, options?: CallOptions): Promise<PutStateResponse> {
    return this.#unary(AgentServiceService.putState, PutStateRequest.fromPartial(request), options);
  }

  // grpc.health.v1.Health

  /** The serving status of one service (`cortex.v1.MemoryService`, ...) or, by default, the server. */
  async checkHealth(service = '', options?: CallOptions): Promise<HealthCheckResponse_ServingStatus> {
    // grpc.health.v1 is vendored unchanged, without idempotency levels; Check only reads.
    const response = await this.#call(HealthService.check, HealthCheckRequest.fromPartial({ service }), 'read', options);
    return response.status;
  }

  /** Closes the channel; calls in flight are cancelled. */
  close(): void {
    this.#grpc.close();
  }

  /** A cortex.v1 call, retried as far as proto/ declares it safe to repeat. */
  async #unary<Req extends object, Res>(method: UnaryMethod<Req, Res>, request: Req, options?: CallOptions): Promise<Res> {
    const idempotencyOf = this.#idempotency.get(method.path);
    if (idempotencyOf === undefined) throw new Error(`${method.path} is not in the API descriptors`);
    return this.#call(method, request, idempotencyOf(request), options);
  }

  async #call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    idempotency: Idempotency,
    options: CallOptions = {},
  ): Promise<Res> {
    const correlationId = options.correlationId ?? newCorrelationId();
    const deadlineMs = options.deadlineMs ?? this.#defaultDeadlineMs;
    const deadline = deadlineMs === undefined ? undefined : Date.now() + deadlineMs;
    try {
      return await withRetry(
        () => this.#attempt(method, request, correlationId, deadline, options.signal),
        { policy: this.#retry, idempotency, deadline, signal: options.signal },
      );
    } catch (thrown) {
      throw CortexError.from(thrown, { correlationId });
    }
  }

  #attempt<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    correlationId: string,
    deadline: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CortexError(Code.CANCELLED, 'the call was cancelled by the caller', { correlationId, cause: signal.reason }));
        return;
      }
      const callOptions: GrpcCallOptions = deadline === undefined ? {} : { deadline };
      const call: ClientUnaryCall = this.#grpc.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        callMetadata(this.#apiKey, correlationId),
        callOptions,
        (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(CortexError.from(error, { correlationId }));
          else if (response === undefined) reject(new CortexError(Code.INTERNAL, 'the server sent no response', { correlationId }));
          else resolve(response);
        },
      );
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
