"""subscribe: complete transactions in order, resuming across a server restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from cortex_server import CortexServer

from cortex_client import AsyncCortexClient, Commit, CortexClient, OutOfRange, RetryPolicy
from cortex_client._proto.cortex.v1.ledger_service_pb2 import LedgerEntry, SubscribeRequest, SubscribeResponse
from cortex_client._subscription import Cursor


def entry_seqs(commits: list[Commit]) -> list[int]:
    return [e.seq for c in commits for e in c.entries]


def test_subscribe_yields_each_transaction_once_in_order(client: CortexClient, ns: str) -> None:
    first = client.remember(ns, [{"id": "a", "content": "first"}, {"id": "b", "content": "second"}])
    second = client.put_state(ns, "bot", set={"k": "v"})
    commits = list(client.subscribe(1, namespace=ns, to_seq=second.ledger_seq))
    assert [[e.action for e in c.entries] for c in commits] == [["memory.created", "memory.created"], ["state.put"]]
    assert entry_seqs(commits) == [first.ledger_seq - 1, first.ledger_seq, second.ledger_seq]
    assert len({c.tx_id for c in commits}) == 2


def test_subscribe_filters_by_action_and_ends_on_close(client: CortexClient, ns: str) -> None:
    client.remember(ns, ["noise"])
    recorded = client.record("tester", "test.wanted", namespace=ns).entry
    with client.subscribe(1, namespace=ns, actions=["test.wanted"]) as subscription:
        commit = next(subscription)
        assert [e.seq for e in commit.entries] == [recorded.seq]
        assert subscription.next_seq == recorded.seq + 1
        threading.Timer(0.2, subscription.close).start()
        assert list(subscription) == []  # Ends instead of following the live tail.


def test_subscribe_from_beyond_the_head_raises_out_of_range(client: CortexClient) -> None:
    with pytest.raises(OutOfRange) as raised:
        next(client.subscribe(10**12))
    assert raised.value.reason == "LEDGER_SEQ_BEYOND_HEAD"


async def test_async_subscribe_follows_the_live_tail(aclient: AsyncCortexClient, ns: str) -> None:
    head = (await aclient.record("tester", "test.start", namespace=ns)).entry.seq
    subscription = aclient.subscribe(head + 1, namespace=ns)
    written = [(await aclient.record("tester", "test.live", namespace=ns, subject=str(i))).entry.seq for i in range(3)]
    received = []
    async for commit in subscription:
        received.extend(e.seq for e in commit.entries)
        if len(received) == 3:
            break
    await subscription.aclose()
    assert received == written


@pytest.fixture
def restartable() -> Iterator[CortexServer]:
    running = CortexServer().start()
    yield running
    running.remove()


def test_subscribe_resumes_across_a_server_restart_losing_and_repeating_nothing(restartable: CortexServer) -> None:
    ns = "restart"
    fast = RetryPolicy(max_attempts=50, initial_backoff=0.05, max_backoff=0.5)
    with CortexClient(restartable.address, retry=fast, timeout=30) as client:
        before = client.remember(ns, [{"id": f"b{i}", "content": f"before {i}"} for i in range(3)]).ledger_seq
        received: list[Commit] = []
        got_first = threading.Event()
        done = threading.Event()
        subscription = client.subscribe(1, namespace=ns, heartbeat_interval_ms=100)

        def follow() -> None:
            for commit in subscription:
                received.append(commit)
                got_first.set()
                if len(entry_seqs(received)) >= 6:
                    done.set()
                    return

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        assert got_first.wait(20)

        restartable.stop()
        restartable.start()  # Same port, same data directory.
        client.remember(ns, [{"id": "after-1", "content": "after the restart"}])
        client.put_state(ns, "bot", set={"phase": "after"})
        client.record("tester", "test.after", namespace=ns)

        assert done.wait(30), f"received only {entry_seqs(received)}"
        subscription.close()
        follower.join(10)
        expected = [e.seq for e in client.get_entries(1) if e.namespace == ns]

    assert before == 3
    assert entry_seqs(received) == expected
    assert len(expected) == 6
    assert len({c.tx_id for c in received}) == len(received) == 4


def _part(tx: int, seqs: list[int], continued: bool) -> SubscribeResponse:
    entries = [LedgerEntry(seq=s, tx_id=tx) for s in seqs]
    return SubscribeResponse(commit=Commit(tx_id=tx, entries=entries, continued=continued))


def test_a_transaction_in_parts_is_delivered_once_whole_even_when_cut_off() -> None:
    cursor = Cursor(SubscribeRequest(from_seq=5, namespace="n"))
    assert cursor.accept(_part(1, [5, 6], continued=False)) is not None
    assert cursor.accept(_part(2, [7, 8], continued=True)) is None
    assert cursor.request().from_seq == 7  # Cut off mid-transaction: ask for it again, whole.
    assert cursor.accept(_part(2, [7, 8], continued=True)) is None
    whole = cursor.accept(_part(2, [9], continued=False))
    assert whole is not None and [e.seq for e in whole.entries] == [7, 8, 9]
    assert cursor.request().from_seq == 10
    assert cursor.request().namespace == "n"


def test_signed_heads_on_the_stream_are_not_delivered_as_commits() -> None:
    cursor = Cursor(SubscribeRequest(from_seq=1))
    assert cursor.accept(_part(1, [1], continued=False)) is not None
    assert cursor.accept(SubscribeResponse(head={"tree_size": 1, "note": "..."})) is None
    assert cursor.next_seq == 2
    assert cursor.accept(_part(2, [2, 3], continued=True)) is None
    assert cursor.accept(SubscribeResponse(head={"tree_size": 1})) is None
    whole = cursor.accept(_part(2, [4], continued=False))
    assert whole is not None and [e.seq for e in whole.entries] == [2, 3, 4]


def test_progress_moves_the_cursor_only_between_transactions() -> None:
    cursor = Cursor(SubscribeRequest(from_seq=1))
    cursor.accept(SubscribeResponse(progress={"head_seq": 41}))
    assert cursor.next_seq == 42
    cursor.accept(_part(3, [42], continued=True))
    cursor.accept(SubscribeResponse(progress={"head_seq": 60}))
    assert cursor.next_seq == 42


async def test_async_subscribe_resumes_across_a_server_restart(restartable: CortexServer) -> None:
    ns = "restart-async"
    fast = RetryPolicy(max_attempts=50, initial_backoff=0.05, max_backoff=0.5)
    async with AsyncCortexClient(restartable.address, retry=fast, timeout=30) as client:
        await client.remember(ns, [{"id": "before", "content": "before the restart"}])
        subscription = client.subscribe(1, namespace=ns, heartbeat_interval_ms=100)
        received = [await asyncio.wait_for(subscription.__anext__(), 20)]
        await asyncio.to_thread(restartable.stop)
        await asyncio.to_thread(restartable.start)
        await client.get_snapshot(ns, "bot")  # A read: retried until the channel is back.
        await client.put_state(ns, "bot", set={"phase": "after"})
        await client.record("tester", "test.after", namespace=ns)
        while len(entry_seqs(received)) < 3:
            received.append(await asyncio.wait_for(subscription.__anext__(), 30))
        await subscription.aclose()
        expected = [e.seq async for e in client.get_entries(1) if e.namespace == ns]
    assert entry_seqs(received) == expected
    assert [e.action for c in received for e in c.entries] == ["memory.created", "state.put", "test.after"]
