"""Error decoding and retries against real servers: bad input, auth, rate limits, a dead port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from attempts import AttemptCounter
from cortex_server import CortexServer, free_port

from cortex_client import (
    CortexClient,
    CortexError,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    RetryPolicy,
    Unauthenticated,
    Unavailable,
)
from cortex_client.errors import from_status, parse_retry_after


def test_field_violations_name_every_bad_field_with_a_description(client: CortexClient) -> None:
    with pytest.raises(InvalidArgument) as raised:
        client.recall("ok-namespace", "", top_k=500)
    error = raised.value
    assert isinstance(error, CortexError)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in error.field_violations} == {"query", "top_k"}
    assert all(v.description for v in error.field_violations)
    assert "query" in str(error)


def test_not_found_carries_reason_metadata_and_the_correlation_id(client: CortexClient, ns: str) -> None:
    with pytest.raises(NotFound) as raised:
        client.get_memory(ns, "nope", correlation_id="trace-123")
    assert raised.value.reason == "MEMORY_NOT_FOUND"
    assert raised.value.metadata.get("id") == "nope"
    assert raised.value.correlation_id == "trace-123"


def test_a_correlation_id_is_generated_when_none_is_given(client: CortexClient, ns: str) -> None:
    with pytest.raises(NotFound) as raised:
        client.get_memory(ns, "nope")
    assert len(raised.value.correlation_id or "") == 36


def test_a_missing_or_unknown_api_key_is_unauthenticated(server: CortexServer, ns: str) -> None:
    with CortexClient(server.address) as anonymous, pytest.raises(Unauthenticated) as raised:
        anonymous.get_snapshot(ns, "bot")
    assert raised.value.reason == "MISSING_API_KEY"
    with CortexClient(server.address, api_key="not-a-registered-key") as stranger, pytest.raises(Unauthenticated) as raised:
        stranger.get_snapshot(ns, "bot")
    assert raised.value.reason == "INVALID_API_KEY"


def test_target_and_api_key_come_from_the_environment(
    server: CortexServer, api_keys: dict[str, str], ns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORTEX_ADDR", server.address)
    monkeypatch.setenv("CORTEX_API_KEY", api_keys["default"])
    with CortexClient() as configured:
        assert configured.target == server.address
        assert configured.get_snapshot(ns, "bot").state_version == 0


@pytest.fixture(scope="module")
def rate_limited() -> Iterator[CortexServer]:
    """A server that allows one call per second per caller."""
    running = CortexServer(env={"CORTEX_RATE_LIMIT_RPS": "1", "CORTEX_RATE_LIMIT_BURST": "1"}).start()
    yield running
    running.remove()


def test_a_read_waits_out_retry_after_and_succeeds(rate_limited: CortexServer, ns: str) -> None:
    attempts = AttemptCounter()
    with CortexClient(rate_limited.address, interceptors=[attempts], retry=RetryPolicy(max_backoff=5)) as client:
        client.get_snapshot(ns, "bot")
        started = time.monotonic()
        client.get_snapshot(ns, "bot")  # Refused with retry-after: 1, then let through.
        assert time.monotonic() - started >= 0.9
    assert attempts.counts["GetSnapshot"] == 3


def test_an_unsafe_call_is_not_retried_and_exposes_retry_after(rate_limited: CortexServer, ns: str) -> None:
    attempts = AttemptCounter()
    with CortexClient(rate_limited.address, interceptors=[attempts]) as client:
        time.sleep(1.0)  # A full bucket, whatever the previous test left.
        client.record("tester", "test.first", namespace=ns)
        with pytest.raises(ResourceExhausted) as raised:
            client.record("tester", "test.second", namespace=ns)
    assert raised.value.reason == "RATE_LIMITED"
    assert raised.value.retry_after == 1.0
    assert raised.value.trailers["x-ratelimit-limit"] == "1"
    assert attempts.counts["Record"] == 2


def test_retry_after_beyond_max_backoff_fails_at_once(rate_limited: CortexServer, ns: str) -> None:
    attempts = AttemptCounter()
    with CortexClient(rate_limited.address, interceptors=[attempts], retry=RetryPolicy(max_backoff=0.5)) as client:
        time.sleep(1.0)
        client.get_snapshot(ns, "bot")
        with pytest.raises(ResourceExhausted):
            client.get_snapshot(ns, "bot")
    assert attempts.counts["GetSnapshot"] == 2


@pytest.fixture
def dead_port_client() -> Iterator[tuple[CortexClient, AttemptCounter]]:
    attempts = AttemptCounter()
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.005)
    with CortexClient(f"127.0.0.1:{free_port()}", interceptors=[attempts], retry=policy, timeout=5) as client:
        yield client, attempts


def test_reads_and_idempotent_writes_are_tried_max_attempts_times(
    dead_port_client: tuple[CortexClient, AttemptCounter],
) -> None:
    client, attempts = dead_port_client
    for call in (
        lambda: client.get_memory("n", "x"),
        lambda: client.remember("n", [{"id": "a", "content": "a"}, {"id": "b", "content": "b"}]),
        lambda: client.forget("n", ["a"]),
    ):
        with pytest.raises(Unavailable):
            call()
    assert attempts.counts == {"GetMemory": 3, "Remember": 3, "Forget": 3}


def test_unsafe_calls_are_tried_once(dead_port_client: tuple[CortexClient, AttemptCounter]) -> None:
    client, attempts = dead_port_client
    for call in (
        lambda: client.put_state("n", "a", set={"k": "v"}, expected_version=3),
        lambda: client.record("me", "test.event"),
        lambda: client.run_maintenance(),
        lambda: client.remember("n", [{"id": "a", "content": "a"}, "no id"]),
        lambda: client.forget("n", filter={"tags": ["old"]}),
    ):
        with pytest.raises(Unavailable):
            call()
    assert attempts.counts == {"PutState": 1, "Record": 1, "RunMaintenance": 1, "Remember": 1, "Forget": 1}


def test_no_retry_starts_past_the_deadline() -> None:
    attempts = AttemptCounter()
    policy = RetryPolicy(max_attempts=1000, initial_backoff=0.1, max_backoff=0.1)
    with CortexClient(f"127.0.0.1:{free_port()}", interceptors=[attempts], retry=policy) as client:
        with pytest.raises(CortexError) as raised:
            client.get_memory("n", "x", timeout=0.5)
    assert raised.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
    assert 2 <= attempts.counts["GetMemory"] < 100


def test_a_read_is_retried_until_a_late_server_is_up() -> None:
    port = free_port()
    late = CortexServer(port=port)
    attempts = AttemptCounter()
    policy = RetryPolicy(max_attempts=200, initial_backoff=0.2, max_backoff=0.5)
    starting = threading.Thread(target=late.start)
    try:
        with CortexClient(f"127.0.0.1:{port}", interceptors=[attempts], retry=policy, timeout=90) as client:
            starting.start()
            assert client.get_snapshot("late", "bot").state_version == 0
    finally:
        starting.join()
        late.remove()
    assert attempts.counts["GetSnapshot"] > 1


def test_status_details_that_cannot_be_decoded_leave_code_and_message() -> None:
    error = from_status(grpc.StatusCode.ABORTED, "conflict", [("grpc-status-details-bin", b"\xff\xff not a status")])
    assert (type(error).__name__, error.message, error.reason, error.field_violations) == ("Aborted", "conflict", "", ())


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("0.25", 0.25), (" 2 ", 2.0), ("soon", None), ("-1", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_is_delay_seconds_or_an_http_date(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds
