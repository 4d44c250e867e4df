"""Every RPC of cortex.v1, read from the generated descriptors: one place maps a method to its
stub and request class, so a new RPC needs only its thin client method."""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from ._proto.cortex import v1 as _generated


def _service_modules() -> list[tuple[ModuleType, ModuleType]]:
    """Every generated `<file>_pb2` with services, and its `<file>_pb2_grpc`: found, not listed,
    so a new .proto file under proto/cortex/v1 needs no change here."""
    modules = []
    for info in sorted(pkgutil.iter_modules(_generated.__path__), key=lambda m: m.name):
        if info.name.endswith("_pb2"):
            pb2 = importlib.import_module(f"{_generated.__name__}.{info.name}")
            if pb2.DESCRIPTOR.services_by_name:
                modules.append((pb2, importlib.import_module(f"{pb2.__name__}_grpc")))
    return modules


_MODULES = _service_modules()


@dataclass(frozen=True)
class Rpc:
    """One RPC: `name` is `<Service>.<Method>`, e.g. `MemoryService.Remember`."""

    name: str
    descriptor: MethodDescriptor
    stub_class: Any
    request_class: type[Message]

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
                )
    return rpcs


RPCS: dict[str, Rpc] = _load()
