"""Targets with several addresses: round-robin over all of them, skipping unhealthy ones (the
service config every client sets), and dns:/// targets."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from conftest import server_env
from cortex_server import CortexServer, free_port
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from cortex_client import CortexClient


def test_a_dns_target_reaches_the_server(server: CortexServer, api_keys: dict[str, str], ns: str) -> None:
    with CortexClient(f"dns:///localhost:{server.port}", api_key=api_keys["default"]) as client:
        assert client.get_snapshot(ns, "bot").state_version == 0


@pytest.fixture(scope="module")
def second_server() -> Iterator[CortexServer]:
    running = CortexServer(env=server_env()["env"]).start()  # type: ignore[arg-type]
    yield running
    running.remove()


def test_calls_are_spread_round_robin_over_every_address(
    server: CortexServer, second_server: CortexServer, api_keys: dict[str, str], ns: str
) -> None:
    replicas = [server, second_server]
    target = "ipv4:" + ",".join(f"127.0.0.1:{r.port}" for r in replicas)
    with CortexClient(target, api_key=api_keys["default"]) as balanced:
        balanced.get_snapshot(ns, "warm-up")
        for i in range(20):
            balanced.remember(ns, [{"id": f"m{i}", "content": f"memory {i}"}])
    counts = []
    for replica in replicas:
        with CortexClient(replica.address, api_key=api_keys["default"]) as direct:
            counts.append(len(list(direct.list_memories(ns))))
    assert sum(counts) == 20
    assert min(counts) >= 5, counts


@pytest.fixture
def not_serving() -> Iterator[int]:
    """A gRPC server on a free port whose grpc.health.v1 says NOT_SERVING and that has no
    Cortex services: any call routed to it would fail."""
    port = free_port()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, grpc_server)
    grpc_server.add_insecure_port(f"127.0.0.1:{port}")
    grpc_server.start()
    yield port
    grpc_server.stop(None)


def test_a_replica_that_is_not_serving_gets_no_calls(
    server: CortexServer, not_serving: int, api_keys: dict[str, str], ns: str
) -> None:
    target = f"ipv4:127.0.0.1:{not_serving},127.0.0.1:{server.port}"
    with CortexClient(target, api_key=api_keys["default"]) as balanced:
        for _ in range(10):
            assert balanced.get_snapshot(ns, "bot").state_version == 0
