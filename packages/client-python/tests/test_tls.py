"""TLS options, against a gRPC server with certificates made by the test (the Cortex server
itself serves plaintext today). The server answers GetSnapshot with the caller's API key."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
import trustme
from cortex_server import free_port

from cortex_client import TLS, CortexClient, Unavailable
from cortex_client._proto.cortex.v1 import agent_service_pb2, agent_service_pb2_grpc


class EchoKey(agent_service_pb2_grpc.AgentServiceServicer):  # type: ignore[misc]
    def GetSnapshot(self, request: Any, context: grpc.ServicerContext) -> agent_service_pb2.GetSnapshotResponse:
        key = dict(context.invocation_metadata()).get("authorization", "")
        return agent_service_pb2.GetSnapshotResponse(state={"authorization": key, "agent": request.agent_id})


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_server(ca: trustme.CA, *, require_client_cert: bool) -> Iterator[int]:
    cert = ca.issue_cert("cortex.internal")
    credentials = grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())],
        root_certificates=ca.cert_pem.bytes() if require_client_cert else None,
        require_client_auth=require_client_cert,
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    agent_service_pb2_grpc.add_AgentServiceServicer_to_server(EchoKey(), server)
    port = server.add_secure_port(f"127.0.0.1:{free_port()}", credentials)
    server.start()
    yield port
    server.stop(None)


@pytest.fixture
def tls_port(ca: trustme.CA) -> Iterator[int]:
    yield from tls_server(ca, require_client_cert=False)


@pytest.fixture
def mtls_port(ca: trustme.CA) -> Iterator[int]:
    yield from tls_server(ca, require_client_cert=True)


def test_tls_with_a_private_ca_and_server_name(ca: trustme.CA, tls_port: int) -> None:
    tls = TLS(root_certificates=ca.cert_pem.bytes(), server_name="cortex.internal")
    with CortexClient(f"127.0.0.1:{tls_port}", tls=tls, api_key="secret-key-0123456789") as client:
        state = client.get_snapshot("ns", "bot").state
    assert dict(state) == {"authorization": "Bearer secret-key-0123456789", "agent": "bot"}


def test_an_untrusted_certificate_is_refused(tls_port: int) -> None:
    other = trustme.CA()
    tls = TLS(root_certificates=other.cert_pem.bytes(), server_name="cortex.internal")
    with CortexClient(f"127.0.0.1:{tls_port}", tls=tls, retry=None, timeout=5) as client, pytest.raises(Unavailable):
        client.get_snapshot("ns", "bot")


def test_mutual_tls_from_pem_files(ca: trustme.CA, mtls_port: int, tmp_path: Any) -> None:
    client_cert = ca.issue_cert("agent@example.com")
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem.bytes())
    (tmp_path / "cert.pem").write_bytes(client_cert.cert_chain_pems[0].bytes())
    (tmp_path / "key.pem").write_bytes(client_cert.private_key_pem.bytes())
    tls = TLS.from_files(tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem", server_name="cortex.internal")
    with CortexClient(f"127.0.0.1:{mtls_port}", tls=tls) as client:
        assert client.get_snapshot("ns", "bot").state["agent"] == "bot"
