"""Which calls are safe to repeat after a failure whose outcome is unknown.

The proto's `option idempotency_level` is read from the descriptors. What proto/ does not state
yet is kept here as data in the same shape: the reads, and the request-dependent rule "safe when
these request paths are set" (Remember: every item has an id; Forget: it names ids). Once proto/
declares them (`idempotency_level` on the reads, a method option holding the paths), the two
tables below give way to the descriptors and `is_set` stays.
"""

from __future__ import annotations

import enum
from typing import Any

from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions
from google.protobuf.message import Message


class Idempotency(enum.Enum):
    #: Changes nothing: any repeat is harmless.
    READ = "read"
    #: A write whose repeat leaves the same result.
    IDEMPOTENT = "idempotent"
    #: A repeat could apply the change twice or fail spuriously: never retried.
    UNSAFE = "unsafe"


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

# Writes that are safe to repeat when every one of these request paths is set (see `is_set`):
# Remember upserts by id, so only a batch whose items all carry an id; Forget by ids deletes a
# fixed set, while by filter alone a repeat could delete memories written in between.
_IDEMPOTENT_WHEN_SET: dict[str, tuple[str, ...]] = {
    "cortex.v1.MemoryService.Remember": ("memories.id",),
    "cortex.v1.MemoryService.Forget": ("ids",),
}

_BY_LEVEL = {
    MethodOptions.NO_SIDE_EFFECTS: Idempotency.READ,
    MethodOptions.IDEMPOTENT: Idempotency.IDEMPOTENT,
}


def idempotency(method: MethodDescriptor, request: Message) -> Idempotency:
    level = _BY_LEVEL.get(method.GetOptions().idempotency_level)
    if level is not None:
        return level
    if method.full_name in _READS_UNTIL_THE_PROTO_SAYS:
        return Idempotency.READ
    paths = _IDEMPOTENT_WHEN_SET.get(method.full_name)
    if paths and all(is_set(request, path.split(".")) for path in paths):
        return Idempotency.IDEMPOTENT
    return Idempotency.UNSAFE


def is_set(message: Message, path: list[str]) -> bool:
    """Whether `path` (proto field names) is set in `message`: a last field holds a non-default
    value; a message field is present with the rest set in it; a repeated message field has at
    least one element, with the rest set in every element."""
    field = message.DESCRIPTOR.fields_by_name[path[0]]
    value: Any = getattr(message, path[0])
    rest = path[1:]
    if not rest:
        if field.is_repeated:
            return len(value) > 0
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            return message.HasField(path[0])
        return bool(value)
    if field.is_repeated:
        return len(value) > 0 and all(is_set(item, rest) for item in value)
    return message.HasField(path[0]) and is_set(value, rest)
