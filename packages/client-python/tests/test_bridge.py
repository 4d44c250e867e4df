"""The in-process event bridge: callbacks per action, in ledger order."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cortex_client import AsyncCortexClient, AsyncEventBridge, CortexClient, EventBridge, LedgerEntry


def run_guarded(bridge: EventBridge, seconds: float = 20) -> None:
    """bridge.run(), closed after `seconds` so a missing delivery fails instead of hanging."""
    guard = threading.Timer(seconds, bridge.close)
    guard.start()
    try:
        bridge.run()
    finally:
        guard.cancel()


def test_callbacks_get_their_actions_in_ledger_order(client: CortexClient, ns: str) -> None:
    bridge = EventBridge(client, from_seq=1, namespace=ns)
    calls: list[tuple[str, str, int]] = []
    bridge.on("memory.created", lambda e: calls.append(("created", e.subject, e.seq)))

    @bridge.on("state.put")
    def state(entry: LedgerEntry) -> None:
        calls.append(("state", entry.subject, entry.seq))
        if entry.subject == "last":
            bridge.close()

    bridge.on("*", lambda e: calls.append(("any", e.subject, e.seq)))

    client.remember(ns, [{"id": "m1", "content": "one"}, {"id": "m2", "content": "two"}])
    client.record("tester", "test.ignored", namespace=ns, subject="ignored")
    client.put_state(ns, "last", set={"k": "x"})
    run_guarded(bridge)

    seqs = [seq for _, _, seq in calls]
    assert seqs == sorted(seqs)
    assert [(kind, subject) for kind, subject, _ in calls] == [
        ("created", "m1"),
        ("any", "m1"),
        ("created", "m2"),
        ("any", "m2"),
        ("any", "ignored"),
        ("state", "last"),
        ("any", "last"),
    ]
    assert bridge.next_seq == calls[-1][2] + 1


def test_a_failing_callback_stops_the_bridge_at_the_transaction_it_failed_in(client: CortexClient, ns: str) -> None:
    first = client.record("tester", "test.ok", namespace=ns).entry.seq
    failing = client.record("tester", "test.boom", namespace=ns).entry.seq
    bridge = EventBridge(client, from_seq=first, namespace=ns)
    seen: list[int] = []
    bridge.on("test.ok", lambda e: seen.append(e.seq))

    @bridge.on("test.boom")
    def boom(entry: LedgerEntry) -> None:
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        bridge.run()
    assert seen == [first]
    assert bridge.next_seq == failing  # A new bridge from here delivers it again: at least once.


def test_close_from_another_thread_ends_run(client: CortexClient, ns: str) -> None:
    bridge = EventBridge(client, namespace=ns)
    bridge.on("*", lambda e: None)
    threading.Timer(0.3, bridge.close).start()
    bridge.run()  # Returns instead of following the live tail for ever.


def test_run_needs_a_callback(client: CortexClient) -> None:
    with pytest.raises(RuntimeError, match="register"):
        EventBridge(client).run()


async def test_the_async_bridge_awaits_coroutine_callbacks_in_order(aclient: AsyncCortexClient, ns: str) -> None:
    bridge = AsyncEventBridge(aclient, from_seq=1, namespace=ns)
    subjects: list[str] = []

    async def slow_first(entry: LedgerEntry) -> None:
        await asyncio.sleep(0.05 if entry.subject == "0" else 0)
        subjects.append(entry.subject)
        if len(subjects) == 3:
            bridge.close()

    bridge.on("test.async", slow_first)
    for i in range(3):
        await aclient.record("tester", "test.async", namespace=ns, subject=str(i))
    await asyncio.wait_for(bridge.run(), 20)
    assert subjects == ["0", "1", "2"]
