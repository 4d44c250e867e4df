"""Every RPC of cortex.v1, read from the generated descriptors: one place maps a method to its
stub, request and response classes, so a new RPC needs only its thin client method."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from ._proto.cortex.v1 import (
    agent_service_pb2,
    agent_service_pb2_grpc,
    context_service_pb2,
    context_service_pb2_grpc,
    ledger_service_pb2,
    ledger_service_pb2_grpc,
    memory_service_pb2,
    memory_service_pb2_grpc,
)

_MODULES: tuple[tuple[ModuleType, ModuleType], ...] = (
    (memory_service_pb2, memory_service_pb2_grpc),
    (context_service_pb2, context_service_pb2_grpc),
    (ledger_service_pb2, ledger_service_pb2_grpc),
    (agent_service_pb2, agent_service_pb2_grpc),
)


@dataclass(frozen=True)
class Rpc:
    """One RPC: `name` is `<Service>.<Method>`, e.g. `MemoryService.Remember`."""

    name: str
    descriptor: MethodDescriptor
    stub_class: Any
    request_class: type[Message]
    response_class: type[Message]

    @property
    def method(self) -> str:
        return self.descriptor.name

    @property
    def streaming(self) -> bool:
        return self.descriptor.server_streaming

    @property
    def python_name(self) -> str:
        """The client method's name: the RPC in snake_case (`GetMemory` → `get_memory`)."""
        return snake_case(self.descriptor.name)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def services() -> list[ServiceDescriptor]:
    return [service for pb2, _ in _MODULES for service in pb2.DESCRIPTOR.services_by_name.values()]


def _load() -> dict[str, Rpc]:
    rpcs: dict[str, Rpc] = {}
    for pb2, pb2_grpc in _MODULES:
        for service in pb2.DESCRIPTOR.services_by_name.values():
            stub_class = getattr(pb2_grpc, f"{service.name}Stub")
            for method in service.methods:
                name = f"{service.name}.{method.name}"
                rpcs[name] = Rpc(
                    name=name,
                    descriptor=method,
                    stub_class=stub_class,
                    request_class=GetMessageClass(method.input_type),
                    response_class=GetMessageClass(method.output_type),
                )
    return rpcs


RPCS: dict[str, Rpc] = _load()
