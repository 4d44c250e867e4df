"""Python client for Cortex, the memory service for AI agent fleets.

    from cortex_client import CortexClient

    with CortexClient("localhost:4949") as cortex:
        cortex.remember("support", ["The user prefers short answers"])
        hits = cortex.recall("support", "how should I answer?").hits
"""

from ._channel import TLS
from ._pages import AsyncPages, Pages
from ._proto.cortex.v1.agent_service_pb2 import (
    GetSnapshotResponse,
    PutStateResponse,
    TierCounts,
)
from ._proto.cortex.v1.context_service_pb2 import (
    BuildContextResponse,
    CompressionStrategy,
    ContextSection,
    ConversationTurn,
    CountTokensResponse,
    DroppedMemory,
    DropReason,
)
from ._proto.cortex.v1.ledger_service_pb2 import (
    Commit,
    GetConsistencyProofResponse,
    GetInclusionProofResponse,
    GetSignedHeadResponse,
    LedgerEntry,
    RecordResponse,
    SignedHead,
    VerifyResponse,
)
from ._proto.cortex.v1.memory_pb2 import Memory, MemoryFilter, Tier
from ._proto.cortex.v1.memory_service_pb2 import (
    ForgetResponse,
    GetMemoryResponse,
    MemoryInput,
    RecallHit,
    RecallMode,
    RecallResponse,
    RememberOutcome,
    RememberResponse,
    RememberResult,
    RunMaintenanceResponse,
)
from ._retry import RetryPolicy
from ._version import __version__
from .aio import AsyncCortexClient, AsyncSubscription
from .bridge import AsyncEventBridge, EventBridge
from .client import CortexClient, Subscription
from .errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    CortexError,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    Internal,
    InvalidArgument,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
)

__all__ = [
    "Aborted",
    "AlreadyExists",
    "AsyncCortexClient",
    "AsyncEventBridge",
    "AsyncPages",
    "AsyncSubscription",
    "BuildContextResponse",
    "Cancelled",
    "Commit",
    "CompressionStrategy",
    "ContextSection",
    "ConversationTurn",
    "CortexClient",
    "CortexError",
    "CountTokensResponse",
    "DataLoss",
    "DeadlineExceeded",
    "DropReason",
    "DroppedMemory",
    "EventBridge",
    "FailedPrecondition",
    "FieldViolation",
    "ForgetResponse",
    "GetConsistencyProofResponse",
    "GetInclusionProofResponse",
    "GetMemoryResponse",
    "GetSignedHeadResponse",
    "GetSnapshotResponse",
    "Internal",
    "InvalidArgument",
    "LedgerEntry",
    "Memory",
    "MemoryFilter",
    "MemoryInput",
    "NotFound",
    "OutOfRange",
    "Pages",
    "PermissionDenied",
    "PutStateResponse",
    "RecallHit",
    "RecallMode",
    "RecallResponse",
    "RecordResponse",
    "RememberOutcome",
    "RememberResponse",
    "RememberResult",
    "ResourceExhausted",
    "RetryPolicy",
    "RunMaintenanceResponse",
    "SignedHead",
    "Subscription",
    "TLS",
    "Tier",
    "TierCounts",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "Unknown",
    "VerifyResponse",
    "__version__",
]
