"""Targets with several addresses: round-robin over all of them, skipping unhealthy ones (the
service config every client sets), and dns: targets."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from conftest import server_env
from cortex_server import CortexServer, free_port
from dns_server import DnsServer
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from cortex_client import CortexClient


def test_a_dns_target_reaches_the_server(server: CortexServer, api_keys: dict[str, str], ns: str) -> None:
    with CortexClient(f"dns:///localhost:{server.port}", api_key=api_keys["default"]) as client:
        assert client.get_snapshot(ns, "bot").state_version == 0


@pytest.fixture(scope="module")
def replicas() -> Iterator[list[CortexServer]]:
    """Two servers on one port, at 127.0.0.1 and 127.0.0.2, as replicas behind one DNS name."""
    port = free_port()
    servers = [CortexServer(port=port, host=host, env=server_env()["env"]) for host in ("127.0.0.1", "127.0.0.2")]  # type: ignore[arg-type]
    with futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(CortexServer.start, servers))
    yield servers
    for replica in servers:
        replica.remove()


def test_a_dns_name_with_several_addresses_gets_calls_spread_over_all_of_them(
    replicas: list[CortexServer], api_keys: dict[str, str], ns: str
) -> None:
    port = replicas[0].port
    with DnsServer("cortex.test", [r.host for r in replicas]) as dns:
        # dns://<resolver>/<name>:<port>: the name is resolved by the test's own DNS server.
        with CortexClient(f"dns://127.0.0.1:{dns.port}/cortex.test:{port}", api_key=api_keys["default"]) as balanced:
            for i in range(40):
                balanced.remember(ns, [{"id": f"m{i}", "content": f"memory {i}"}])
    counts = []
    for replica in replicas:
        with CortexClient(replica.address, api_key=api_keys["default"]) as direct:
            counts.append(len(list(direct.list_memories(ns))))
    assert sum(counts) == 40
    assert min(counts) >= 5, counts


@pytest.fixture
def not_serving(server: CortexServer) -> Iterator[str]:
    """A gRPC server on the session server's port at 127.0.0.2 whose grpc.health.v1 says
    NOT_SERVING and that has no Cortex services: any call routed to it would fail."""
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, grpc_server)
    grpc_server.add_insecure_port(f"127.0.0.2:{server.port}")
    grpc_server.start()
    yield "127.0.0.2"
    grpc_server.stop(None)


def test_a_replica_that_is_not_serving_gets_no_calls(
    server: CortexServer, not_serving: str, api_keys: dict[str, str], ns: str
) -> None:
    with DnsServer("cortex.test", [not_serving, "127.0.0.1"]) as dns:
        target = f"dns://127.0.0.1:{dns.port}/cortex.test:{server.port}"
        with CortexClient(target, api_key=api_keys["default"]) as balanced:
            for _ in range(10):
                assert balanced.get_snapshot(ns, "bot").state_version == 0
