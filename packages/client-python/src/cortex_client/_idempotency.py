"""Which calls are safe to repeat after a failure whose outcome is unknown, as proto/ declares it
(proto/cortex/v1/options.proto explains the rule), read from the generated descriptors:
`idempotency_level` NO_SIDE_EFFECTS is a read, IDEMPOTENT a repeatable write; otherwise the
request must have every path of the RPC's `(cortex.v1.idempotent_when_set)` set, or it is never
repeated."""

from __future__ import annotations

import enum
from typing import Any

from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from google.protobuf.descriptor_pb2 import MethodOptions
from google.protobuf.message import Message

from ._proto.cortex.v1.options_pb2 import idempotent_when_set


class Idempotency(enum.Enum):
    #: Changes nothing: any repeat is harmless.
    READ = "read"
    #: A write whose repeat leaves the same result.
    IDEMPOTENT = "idempotent"
    #: A repeat could apply the change twice or fail spuriously: never retried.
    UNSAFE = "unsafe"


_BY_LEVEL = {
    MethodOptions.NO_SIDE_EFFECTS: Idempotency.READ,
    MethodOptions.IDEMPOTENT: Idempotency.IDEMPOTENT,
}


def idempotency(method: MethodDescriptor, request: Message) -> Idempotency:
    options = method.GetOptions()
    level = _BY_LEVEL.get(options.idempotency_level)
    if level is not None:
        return level
    # The generated .pyi types the extension as a plain FieldDescriptor.
    paths: list[str] = list(options.Extensions[idempotent_when_set])  # type: ignore[index]
    if paths and all(is_set(request, path.split(".")) for path in paths):
        return Idempotency.IDEMPOTENT
    return Idempotency.UNSAFE


def is_set(message: Message, path: list[str]) -> bool:
    """Whether `path` (proto field names) is set in `message`: a last field holds a non-default
    value; a message field is present with the rest set in it; a repeated message field has at
    least one element, with the rest set in every element."""
    field = message.DESCRIPTOR.fields_by_name.get(path[0])
    if field is None:
        raise ValueError(f"idempotent_when_set: {message.DESCRIPTOR.full_name} has no field {path[0]!r}")
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
