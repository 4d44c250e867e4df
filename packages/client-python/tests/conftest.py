from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from cortex_server import REPO_ROOT, CortexServer

from cortex_client import AsyncCortexClient, CortexClient

CONFORMANCE = REPO_ROOT / "conformance"


def server_env() -> dict[str, object]:
    return json.loads((CONFORMANCE / "server-env.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def server() -> Iterator[CortexServer]:
    """One real server for the session, configured as the conformance suite expects."""
    running = CortexServer(env=server_env()["env"]).start()  # type: ignore[arg-type]
    yield running
    running.remove()


@pytest.fixture(scope="session")
def api_keys() -> dict[str, str]:
    return server_env()["keys"]  # type: ignore[return-value]


@pytest.fixture
def client(server: CortexServer, api_keys: dict[str, str]) -> Iterator[CortexClient]:
    with CortexClient(server.address, api_key=api_keys["default"], timeout=20) as connected:
        yield connected


@pytest.fixture
async def aclient(server: CortexServer, api_keys: dict[str, str]) -> AsyncIterator[AsyncCortexClient]:
    async with AsyncCortexClient(server.address, api_key=api_keys["default"], timeout=20) as connected:
        yield connected


@pytest.fixture
def ns() -> str:
    """A namespace no other test uses."""
    return f"py-{uuid.uuid4().hex[:12]}"
