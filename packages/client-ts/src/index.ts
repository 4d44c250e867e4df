// The one API of @cortex/client: CortexClient, its options and errors, and the message types and
// enums its methods take and return. The raw grpc-js clients and service definitions stay in
// @cortex/proto.
export { CortexClient, type CallOptions, type CortexClientOptions, type SubscribeCommitsOptions } from './cortex-client.js';
export type { CommitSubscription } from './commits.js';
export { CortexError, parseRetryAfter, type CortexErrorInit, type FieldViolation } from './errors.js';
export type { RetryOptions } from './retry.js';
export type { PartialMessage } from './partial-message.js';
export { LedgerVerifier, LedgerVerificationError, type LedgerVerificationFailure, type LedgerVerifierOptions } from './ledger/verifier.js';
export { FileHeadStore, MemoryHeadStore, type HeadStore } from './ledger/head-store.js';
export type { TrustedKey, VerifiedHead } from './ledger/heads.js';
export { Code } from '@cortex/proto/google/rpc/code';
export { HealthCheckResponse_ServingStatus } from '@cortex/proto/grpc/health/v1/health';
export { Tier, type Memory, type MemoryFilter } from '@cortex/proto/cortex/v1/memory';
export {
  RecallMode,
  RememberOutcome,
  type ForgetRequest,
  type ForgetResponse,
  type GetMemoryRequest,
  type GetMemoryResponse,
  type ListMemoriesRequest,
  type ListMemoriesResponse,
  type MemoryInput,
  type RecallHit,
  type RecallRequest,
  type RecallResponse,
  type RememberRequest,
  type RememberResponse,
  type RememberResult,
  type RunMaintenanceRequest,
  type RunMaintenanceResponse,
} from '@cortex/proto/cortex/v1/memory_service';
export {
  CompressionStrategy,
  DropReason,
  type BuildContextRequest,
  type BuildContextResponse,
  type ContextSection,
  type ConversationTurn,
  type CountTokensRequest,
  type CountTokensResponse,
  type DroppedMemory,
} from '@cortex/proto/cortex/v1/context_service';
export type {
  Commit,
  GetConsistencyProofRequest,
  GetConsistencyProofResponse,
  GetEntriesRequest,
  GetEntriesResponse,
  GetInclusionProofRequest,
  GetInclusionProofResponse,
  GetSignedHeadRequest,
  GetSignedHeadResponse,
  LedgerEntry,
  Progress,
  RecordRequest,
  RecordResponse,
  SignedHead,
  SubscribeRequest,
  SubscribeResponse,
  VerifyRequest,
  VerifyResponse,
} from '@cortex/proto/cortex/v1/ledger_service';
export type {
  GetSnapshotRequest,
  GetSnapshotResponse,
  PutStateRequest,
  PutStateResponse,
  TierCounts,
} from '@cortex/proto/cortex/v1/agent_service';
