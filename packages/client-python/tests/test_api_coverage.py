"""Both clients cover every RPC of the generated descriptors, with every request field as a
keyword argument: a new RPC or field in proto/ fails here until the clients have it."""

from __future__ import annotations

import inspect

import pytest

from cortex_client import AsyncCortexClient, CortexClient
from cortex_client._idempotency import Idempotency, idempotency, is_set
from cortex_client._rpc import RPCS, Rpc

CLIENTS = [CortexClient, AsyncCortexClient]


@pytest.mark.parametrize("client_class", CLIENTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("rpc", RPCS.values(), ids=lambda r: r.name)
def test_every_rpc_has_a_method_taking_every_request_field(client_class: type, rpc: Rpc) -> None:
    method = getattr(client_class, rpc.python_name, None)
    assert method is not None, f"{client_class.__name__} has no {rpc.python_name}() for {rpc.name}"
    parameters = inspect.signature(method).parameters
    missing = [f.name for f in rpc.request_class.DESCRIPTOR.fields if f.name not in parameters]
    assert missing == [], f"{client_class.__name__}.{rpc.python_name} lacks {missing}"
    per_call = {"correlation_id"} if rpc.streaming else {"timeout", "correlation_id"}
    assert per_call <= set(parameters)


def test_every_generated_service_is_found() -> None:
    services = {name.split(".")[0] for name in RPCS}
    assert services >= {"MemoryService", "ContextService", "LedgerService", "AgentService"}


@pytest.mark.parametrize(
    ("name", "request_fields", "expected"),
    [
        ("MemoryService.GetMemory", {}, Idempotency.READ),
        ("LedgerService.Verify", {}, Idempotency.READ),
        ("MemoryService.Remember", {"memories": [{"id": "a", "content": "x"}]}, Idempotency.IDEMPOTENT),
        ("MemoryService.Remember", {"memories": [{"id": "a", "content": "x"}, {"content": "y"}]}, Idempotency.UNSAFE),
        ("MemoryService.Remember", {}, Idempotency.UNSAFE),
        ("MemoryService.Forget", {"ids": ["a"]}, Idempotency.IDEMPOTENT),
        ("MemoryService.Forget", {"filter": {"tags": ["t"]}}, Idempotency.UNSAFE),
        ("AgentService.PutState", {"expected_version": 1}, Idempotency.UNSAFE),
        ("LedgerService.Record", {}, Idempotency.UNSAFE),
        ("MemoryService.RunMaintenance", {}, Idempotency.UNSAFE),
    ],
)
def test_idempotency_matches_the_typescript_client(name: str, request_fields: dict, expected: Idempotency) -> None:
    rpc = RPCS[name]
    assert idempotency(rpc.descriptor, rpc.request_class(**request_fields)) == expected


@pytest.mark.parametrize(
    ("request_fields", "path", "expected"),
    [
        ({"filter": {"tags": ["a"]}}, "filter.tags", True),
        ({"filter": {}}, "filter.tags", False),
        ({}, "filter", False),
        ({"filter": {}}, "filter", True),
        ({"query": "q"}, "query", True),
        ({"top_k": 0}, "top_k", False),
    ],
)
def test_is_set_follows_request_paths(request_fields: dict, path: str, expected: bool) -> None:
    rpc = RPCS["MemoryService.Recall"]
    assert is_set(rpc.request_class(**request_fields), path.split(".")) is expected


def test_a_path_naming_no_field_is_an_error_not_a_silent_unsafe() -> None:
    with pytest.raises(ValueError, match="no field"):
        is_set(RPCS["MemoryService.Forget"].request_class(), ["idz"])
