"""Which calls are safe to repeat after a failure whose outcome is unknown.

The proto's `option idempotency_level` is read first, so once proto/ marks its RPCs, only the
request-dependent rules below remain here (and `_READS_UNTIL_THE_PROTO_SAYS` can go).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions
from google.protobuf.message import Message


class Idempotency(enum.Enum):
    #: Changes nothing: any repeat is harmless.
    READ = "read"
    #: A write whose repeat leaves the same result.
    IDEMPOTENT = "idempotent"
    #: A repeat could apply the change twice or fail spuriously: never retried.
    UNSAFE = "unsafe"


def _remember(request: Message) -> Idempotency:
    """Remember upserts by id; an item without one would be stored again under a new id."""
    items = request.memories  # type: ignore[attr-defined]
    return Idempotency.IDEMPOTENT if items and all(m.id for m in items) else Idempotency.UNSAFE


def _forget(request: Message) -> Idempotency:
    """Forget by ids deletes a fixed set; by filter alone a repeat could hit newer memories."""
    return Idempotency.IDEMPOTENT if request.ids else Idempotency.UNSAFE  # type: ignore[attr-defined]


_BY_REQUEST: dict[str, Callable[[Message], Idempotency]] = {
    "cortex.v1.MemoryService.Remember": _remember,
    "cortex.v1.MemoryService.Forget": _forget,
}

_BY_LEVEL = {
    MethodOptions.NO_SIDE_EFFECTS: Idempotency.READ,
    MethodOptions.IDEMPOTENT: Idempotency.IDEMPOTENT,
}

# The same reads as @cortex/client's table, until proto/ says NO_SIDE_EFFECTS on them.
_READS_UNTIL_THE_PROTO_SAYS = frozenset(
    f"cortex.v1.{name}"
    for name in (
        "MemoryService.Recall",
        "MemoryService.GetMemory",
        "MemoryService.ListMemories",
        "ContextService.BuildContext",
        "ContextService.CountTokens",
        "LedgerService.GetEntries",
        "LedgerService.Verify",
        "AgentService.GetSnapshot",
    )
)


def idempotency(method: MethodDescriptor, request: Message) -> Idempotency:
    rule = _BY_REQUEST.get(method.full_name)
    if rule is not None:
        return rule(request)
    level = _BY_LEVEL.get(method.GetOptions().idempotency_level)
    if level is not None:
        return level
    return Idempotency.READ if method.full_name in _READS_UNTIL_THE_PROTO_SAYS else Idempotency.UNSAFE
