"""The event bridge, in-process: follow the ledger and call your functions per action.

    bridge = EventBridge(client, namespace="support")

    @bridge.on("memory.created")
    def created(entry: LedgerEntry) -> None: ...

    bridge.run()  # until bridge.close(), from another thread or a callback

Entries reach the callbacks one at a time in ledger order, each callback of an action in the
order it was registered (`"*"` ones after the action's own). The subscription behind it resumes
across server restarts without losing or repeating a transaction. A callback that raises stops
the bridge; `next_seq` is then the first seq of the transaction that failed, so a bridge started
again from it delivers that transaction again: at least once, never a gap.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, Union

from ._proto.cortex.v1.ledger_service_pb2 import Commit, LedgerEntry
from .aio import AsyncCortexClient, AsyncSubscription
from .client import CortexClient, Subscription

ANY_ACTION = "*"

Callback = Callable[[LedgerEntry], Any]
AsyncCallback = Callable[[LedgerEntry], Union[Awaitable[Any], Any]]
C = TypeVar("C", bound=Callable[..., Any])


class _Handlers:
    def __init__(self, from_seq: int, namespace: str | None, agent_id: str | None, max_reconnects: int | None) -> None:
        self._by_action: dict[str, list[Callable[..., Any]]] = {}
        #: The first seq not yet handled; where a new bridge would resume.
        self.next_seq = from_seq
        self._subscription_args: dict[str, Any] = {
            "namespace": namespace,
            "agent_id": agent_id,
            "max_reconnects": max_reconnects,
        }

    def on(self, action: str, callback: C | None = None) -> Any:
        """Registers `callback` for `action` ("*": every action); usable as a decorator."""

        def register(function: C) -> C:
            self._by_action.setdefault(action, []).append(function)
            return function

        return register if callback is None else register(callback)

    def _subscribe_args(self) -> dict[str, Any]:
        if not self._by_action:
            raise RuntimeError("register a callback with .on(action, callback) before running the bridge")
        actions = None if ANY_ACTION in self._by_action else sorted(self._by_action)
        return {"from_seq": self.next_seq, "actions": actions, **self._subscription_args}

    def _callbacks(self, commit: Commit) -> list[tuple[Callable[..., Any], LedgerEntry]]:
        return [
            (callback, entry)
            for entry in commit.entries
            for callback in (*self._by_action.get(entry.action, ()), *self._by_action.get(ANY_ACTION, ()))
        ]

    def _handled(self, commit: Commit) -> None:
        if commit.entries:
            self.next_seq = commit.entries[-1].seq + 1


class EventBridge(_Handlers):
    """Calls functions per ledger action, in order, on the thread that runs `run()`."""

    def __init__(
        self,
        client: CortexClient,
        *,
        from_seq: int = 0,
        namespace: str | None = None,
        agent_id: str | None = None,
        max_reconnects: int | None = None,
    ) -> None:
        super().__init__(from_seq, namespace, agent_id, max_reconnects)
        self._client = client
        self._subscription: Subscription | None = None
        self._closed = False

    def run(self) -> None:
        """Delivers entries until `close()`; raises what a callback raised, or a non-transient error."""
        with self._client.subscribe(**self._subscribe_args()) as subscription:
            self._subscription = subscription
            if self._closed:
                return
            for commit in subscription:
                for callback, entry in self._callbacks(commit):
                    callback(entry)
                self._handled(commit)

    def close(self) -> None:
        """Stops `run()` after the callback in progress; safe from any thread."""
        self._closed = True
        if self._subscription is not None:
            self._subscription.close()


class AsyncEventBridge(_Handlers):
    """`EventBridge` for asyncio: callbacks may be plain functions or coroutines (awaited in turn)."""

    def __init__(
        self,
        client: AsyncCortexClient,
        *,
        from_seq: int = 0,
        namespace: str | None = None,
        agent_id: str | None = None,
        max_reconnects: int | None = None,
    ) -> None:
        super().__init__(from_seq, namespace, agent_id, max_reconnects)
        self._client = client
        self._subscription: AsyncSubscription | None = None
        self._closed = False

    async def run(self) -> None:
        """Delivers entries until `close()`; raises what a callback raised, or a non-transient error."""
        async with self._client.subscribe(**self._subscribe_args()) as subscription:
            self._subscription = subscription
            if self._closed:
                return
            async for commit in subscription:
                for callback, entry in self._callbacks(commit):
                    result = callback(entry)
                    if inspect.isawaitable(result):
                        await result
                self._handled(commit)

    def close(self) -> None:
        """Stops `run()` after the callback in progress."""
        self._closed = True
        if self._subscription is not None:
            self._subscription.cancel()
