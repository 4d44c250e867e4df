"""Channel settings shared by the sync and asyncio clients: target and API key (arguments, else
CORTEX_ADDR / CORTEX_API_KEY), TLS, and a service config that balances round-robin over every
address a `dns:///host:port` target resolves to, skipping replicas whose grpc.health.v1 status is
not SERVING."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import grpc

from ._version import __version__

DEFAULT_TARGET = "localhost:4949"

SERVICE_CONFIG = {
    "loadBalancingConfig": [{"round_robin": {}}],
    # '' is the whole server: database, migrations and the embedding model.
    "healthCheckConfig": {"serviceName": ""},
}

ChannelOptions = Sequence[tuple[str, Any]]


@dataclass(frozen=True)
class TLS:
    """TLS settings. `TLS()` trusts the system's roots; give `root_certificates` for a private
    CA, `certificate_chain` + `private_key` for mutual TLS, and `server_name` when the
    certificate names another host than the target."""

    root_certificates: bytes | None = None
    certificate_chain: bytes | None = None
    private_key: bytes | None = None
    server_name: str | None = None

    @classmethod
    def from_files(
        cls,
        ca: str | os.PathLike[str] | None = None,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        server_name: str | None = None,
    ) -> TLS:
        """Reads PEM files: the CA to trust, and the client certificate and key for mutual TLS."""
        return cls(_read(ca), _read(cert), _read(key), server_name)


def _read(path: str | os.PathLike[str] | None) -> bytes | None:
    return None if path is None else Path(path).read_bytes()


TLSLike = Union[TLS, bool, None]


@dataclass(frozen=True)
class ChannelSettings:
    target: str
    api_key: str | None
    credentials: grpc.ChannelCredentials | None
    options: list[tuple[str, Any]]


def channel_settings(
    target: str | None, api_key: str | None, tls: TLSLike, options: ChannelOptions
) -> ChannelSettings:
    resolved_key = api_key if api_key is not None else os.environ.get("CORTEX_API_KEY") or None
    if resolved_key == "":
        raise ValueError("api_key must not be empty; pass None to send none")
    settings = TLS() if tls is True else (tls or None)
    base: dict[str, Any] = {
        "grpc.service_config": json.dumps(SERVICE_CONFIG),
        "grpc.primary_user_agent": f"cortex-client-python/{__version__}",
        # A restarted server is found within a second or two, not grpc's default of up to 2 min.
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2000,
    }
    if settings is not None and settings.server_name:
        base["grpc.ssl_target_name_override"] = settings.server_name
    base.update(dict(options))
    return ChannelSettings(
        target=target or os.environ.get("CORTEX_ADDR") or DEFAULT_TARGET,
        api_key=resolved_key,
        credentials=None if settings is None else _credentials(settings),
        options=list(base.items()),
    )


def _credentials(tls: TLS) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=tls.root_certificates,
        private_key=tls.private_key,
        certificate_chain=tls.certificate_chain,
    )


def call_metadata(api_key: str | None, correlation_id: str) -> tuple[tuple[str, str], ...]:
    """What every call carries: the API key (when set) and the correlation id."""
    pairs = [("x-correlation-id", correlation_id)]
    if api_key is not None:
        pairs.append(("authorization", f"Bearer {api_key}"))
    return tuple(pairs)


def new_correlation_id() -> str:
    return str(uuid.uuid4())
