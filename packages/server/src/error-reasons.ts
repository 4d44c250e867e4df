/**
 * Every `google.rpc.ErrorInfo.reason` the server sends (domain `cortex.dev`), in one place. Clients
 * match on these strings, so a value never changes once shipped; a new failure adds a line here
 * (CortexError accepts no other reason) and a row in docs/architecture.md ("Errors").
 */
export const ErrorReason = {
  // Any request
  /** A request field is invalid; the BadRequest detail names every offending field. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** page_token was not issued by this API for the same query (INVALID_ARGUMENT on page_token). */
  INVALID_PAGE_TOKEN: 'INVALID_PAGE_TOKEN',
  /** The request bytes are not a valid encoding of the request message (INVALID_ARGUMENT). */
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  /** No `authorization: Bearer <key>` metadata while API keys are required (UNAUTHENTICATED). */
  MISSING_API_KEY: 'MISSING_API_KEY',
  /** The bearer key is not one of the configured API keys (UNAUTHENTICATED). */
  INVALID_API_KEY: 'INVALID_API_KEY',
  /** No bearer key, and the client certificate (mutual TLS) is valid but no API key names it (UNAUTHENTICATED). */
  CERTIFICATE_NOT_MAPPED: 'CERTIFICATE_NOT_MAPPED',
  /** The API key lacks the role the RPC declares (PERMISSION_DENIED); metadata requiredRole. */
  ROLE_REQUIRED: 'ROLE_REQUIRED',
  /** The request names a namespace the API key does not hold (PERMISSION_DENIED), whether or not it exists; metadata namespace. */
  NAMESPACE_NOT_ALLOWED: 'NAMESPACE_NOT_ALLOWED',
  /** An empty namespace that reaches every namespace or the server itself, from a non-admin key (PERMISSION_DENIED). */
  ADMIN_REQUIRED: 'ADMIN_REQUIRED',
  /** The RPC declares no (cortex.v1.required_role), so no key may call it (PERMISSION_DENIED). */
  RPC_NOT_DECLARED: 'RPC_NOT_DECLARED',
  /** The caller went over its rate limit (RESOURCE_EXHAUSTED); the retry-after trailer says when to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The server is draining for shutdown (UNAVAILABLE); retry on another replica, or resubscribe. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** An unexpected failure (INTERNAL); the cause is logged on the server, never sent. */
  INTERNAL: 'INTERNAL',

  // Embedding (Remember, Recall): the fix is on the server, never in the request (UNAVAILABLE)
  /** A model file is missing from the model directory. */
  EMBEDDING_MODEL_MISSING: 'EMBEDDING_MODEL_MISSING',
  /** A model file is not the pinned bytes, or not valid. */
  EMBEDDING_MODEL_CORRUPT: 'EMBEDDING_MODEL_CORRUPT',
  /** The runtime cannot load or run the model. */
  EMBEDDING_MODEL_UNUSABLE: 'EMBEDDING_MODEL_UNUSABLE',
  /** The embedder was already closed (the server is stopping). */
  EMBEDDER_CLOSED: 'EMBEDDER_CLOSED',
  /** The model loaded but failed on this batch; later calls may succeed. */
  EMBEDDING_INFERENCE_FAILED: 'EMBEDDING_INFERENCE_FAILED',
  /** The inference worker running this batch died; it is being replaced, so a retry may succeed. */
  EMBEDDING_WORKER_DIED: 'EMBEDDING_WORKER_DIED',
  /** The remote embedder (CORTEX_EMBEDDER=openai) did not answer within its timeout, retries included. */
  EMBEDDER_TIMEOUT: 'EMBEDDER_TIMEOUT',
  /** The remote embedder could not be reached. */
  EMBEDDER_NETWORK_ERROR: 'EMBEDDER_NETWORK_ERROR',
  /** The remote embedder answered with an HTTP error; metadata status has the code. */
  EMBEDDER_HTTP_ERROR: 'EMBEDDER_HTTP_ERROR',
  /** The remote embedder's answer is not one embedding per input. */
  EMBEDDER_BAD_RESPONSE: 'EMBEDDER_BAD_RESPONSE',
  /** The remote embedder's vectors are not CORTEX_EMBEDDER_DIMENSIONS long. */
  EMBEDDER_DIMENSION_MISMATCH: 'EMBEDDER_DIMENSION_MISMATCH',
  /** Too many remote embedder failures in a row: calls fail fast until a trial succeeds; retry-after says when. */
  EMBEDDER_CIRCUIT_OPEN: 'EMBEDDER_CIRCUIT_OPEN',

  // MemoryService, AgentService
  /** GetMemory: no memory with that id in the namespace (NOT_FOUND). */
  MEMORY_NOT_FOUND: 'MEMORY_NOT_FOUND',
  /** Forget with neither ids nor a filter with at least one constraint (INVALID_ARGUMENT). */
  FORGET_NEEDS_SELECTOR: 'FORGET_NEEDS_SELECTOR',
  /** PutState: expected_version is not the stored version (ABORTED); metadata has both versions. */
  STATE_VERSION_CONFLICT: 'STATE_VERSION_CONFLICT',

  // ContextService (INVALID_ARGUMENT, with the field named)
  /** A BuildContext/CountTokens option or candidate is out of range. */
  INVALID_CONTEXT_INPUT: 'INVALID_CONTEXT_INPUT',
  /** token_budget is not a positive integer larger than reserve_tokens. */
  INVALID_TOKEN_BUDGET: 'INVALID_TOKEN_BUDGET',
  /** model is not in the tokenizer table; metadata known_models lists the ones that are. */
  UNKNOWN_MODEL: 'UNKNOWN_MODEL',

  // LedgerService
  /** GetEntries/Subscribe from before the oldest entry still readable (live, or archived with include_archived) (OUT_OF_RANGE). */
  LEDGER_ENTRIES_ARCHIVED: 'LEDGER_ENTRIES_ARCHIVED',
  /** Subscribe from_seq is past the head + 1 (OUT_OF_RANGE); metadata headSeq. */
  LEDGER_SEQ_BEYOND_HEAD: 'LEDGER_SEQ_BEYOND_HEAD',
  /** Verify from entries that archive retention already removed (OUT_OF_RANGE). */
  LEDGER_RANGE_EXPIRED: 'LEDGER_RANGE_EXPIRED',
  /** Verify to_seq, or a proof's or head's tree size, is past the last entry (OUT_OF_RANGE). */
  LEDGER_RANGE_BEYOND_HEAD: 'LEDGER_RANGE_BEYOND_HEAD',
  /** GetSignedHead: no head was signed at that tree size (or none yet) (NOT_FOUND). */
  LEDGER_HEAD_NOT_FOUND: 'LEDGER_HEAD_NOT_FOUND',
  /** GetInclusionProof with tree_size 0: no signed head covers the entry yet; retry after the next (OUT_OF_RANGE). */
  LEDGER_ENTRY_NOT_YET_SIGNED: 'LEDGER_ENTRY_NOT_YET_SIGNED',
  /**
   * Any write, or a proof the stored tree cannot give: the ledger failed its start-up verification and is not
   * extended until an operator restores it (FAILED_PRECONDITION); metadata firstBadSeq, integrityReason.
   */
  LEDGER_INTEGRITY_FAILED: 'LEDGER_INTEGRITY_FAILED',
  /** Any write while the ledger is still being verified at start-up (UNAVAILABLE); retry. */
  LEDGER_VERIFYING: 'LEDGER_VERIFYING',
  /** A Subscribe replay met an archived segment that cannot be read (INTERNAL). */
  LEDGER_ARCHIVE_UNREADABLE: 'LEDGER_ARCHIVE_UNREADABLE',
  /** A subscriber fell behind its buffer limits and was cut off (RESOURCE_EXHAUSTED); resubscribe from last seq + 1. */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
} as const;

export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];
