"""Builds request messages from keyword arguments.

Anything the generated constructors take works (messages, dicts for messages, datetimes for
timestamps, enum numbers or full names); on top, enums accept their short name in any case
(`mode="keyword"` for RECALL_MODE_KEYWORD) and `None` means "not set", so a client method can
pass every keyword through without knowing which ones the caller gave.
"""

from __future__ import annotations

import json

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, Union

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from ._proto.cortex.v1.memory_service_pb2 import MemoryInput

M = TypeVar("M", bound=Message)

#: What `remember` takes per item: the text alone, a dict of MemoryInput fields, or a MemoryInput.
MemoryLike = Union[str, Mapping[str, Any], MemoryInput]


def build(message_class: type[M], **fields: Any) -> M:
    """`message_class(**fields)` with the unset (None) fields left out and enum names widened."""
    return message_class(**_normalize_fields(message_class.DESCRIPTOR, fields))


def memory_input(item: MemoryLike) -> MemoryInput:
    if isinstance(item, MemoryInput):
        return item
    if isinstance(item, str):
        return MemoryInput(content=item)
    if isinstance(item, Mapping):
        return build(MemoryInput, **item)
    raise TypeError(f"a memory is a str, a dict or a MemoryInput, not {type(item).__name__}")


def memory_inputs(items: Iterable[MemoryLike] | MemoryLike) -> list[MemoryInput]:
    if isinstance(items, (str, Mapping, MemoryInput)):
        raise TypeError("memories must be a list; wrap a single memory in [ ]")
    return [memory_input(item) for item in items]


def json_text(payload: str | Mapping[str, Any]) -> str:
    """A JSON object given as text or as a dict, as text."""
    return payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))


def _normalize_fields(descriptor: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    normalized: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        field = descriptor.fields_by_name.get(name)
        if field is None:
            raise TypeError(f"{descriptor.name} has no field {name!r}")
        normalized[name] = _normalize_value(field, value)
    return normalized


def _normalize_value(field: FieldDescriptor, value: Any) -> Any:
    is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
    if field.is_repeated and not is_map and not isinstance(value, (str, bytes, Mapping)):
        return [_normalize_single(field, v) for v in value]
    return _normalize_single(field, value)


def _normalize_single(field: FieldDescriptor, value: Any) -> Any:
    if field.enum_type is not None and isinstance(value, str):
        return _enum_number(field.enum_type, value)
    if field.message_type is not None and isinstance(value, Mapping) and not field.message_type.GetOptions().map_entry:
        return _normalize_fields(field.message_type, value)
    return value


def _enum_number(enum: EnumDescriptor, name: str) -> int:
    upper = name.upper()
    value = enum.values_by_name.get(upper) or enum.values_by_name.get(f"{_enum_prefix(enum)}{upper}")
    if value is None:
        choices = ", ".join(v.name[len(_enum_prefix(enum)):].lower() for v in enum.values if v.number != 0)
        raise ValueError(f"unknown {enum.name} {name!r}; one of: {choices}")
    return value.number


def _enum_prefix(enum: EnumDescriptor) -> str:
    """The UPPER_SNAKE prefix buf lint makes every value carry: RecallMode → RECALL_MODE_."""
    return enum.values[0].name.removesuffix("UNSPECIFIED")
