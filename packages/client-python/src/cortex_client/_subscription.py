"""The part of `subscribe` both clients share: what to ask for when (re)connecting, and turning
stream messages into complete transactions.

A transaction may arrive in parts (`continued = true`); it is handed to the caller only once its
last part is in, and the cursor moves only then. A reconnect asks for `last complete seq + 1`,
so the server resends a transaction that was cut off in the middle, and nothing is lost or
delivered twice.
"""

from __future__ import annotations

import grpc

from ._proto.cortex.v1.ledger_service_pb2 import Commit, SubscribeRequest, SubscribeResponse
from ._retry import RetryPolicy
from .errors import CortexError

#: Failures after which the subscription reconnects: the server went away or restarted
#: (UNAVAILABLE), or cut off a subscriber that fell behind (RESOURCE_EXHAUSTED).
RESUMABLE = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED}
)


class Cursor:
    def __init__(self, request: SubscribeRequest) -> None:
        self._request = request
        #: The seq to ask for on the next (re)connect.
        self.next_seq = request.from_seq
        self._parts: list[Commit] = []

    def request(self) -> SubscribeRequest:
        """The original request, from the first seq not yet delivered; a partial transaction is
        dropped, as the server sends it again whole."""
        self._parts.clear()
        request = SubscribeRequest()
        request.CopyFrom(self._request)
        request.from_seq = self.next_seq
        return request

    def accept(self, message: SubscribeResponse) -> Commit | None:
        """The complete transaction `message` finishes, if any."""
        kind = message.WhichOneof("event")
        if kind == "progress":
            # Everything up to head_seq that passes the filters was delivered.
            if not self._parts:
                self.next_seq = max(self.next_seq, message.progress.head_seq + 1)
            return None
        if kind != "commit":
            # A signed head, or a kind added later: nothing to deliver as a commit.
            return None
        self._parts.append(message.commit)
        if message.commit.continued:
            return None
        commit = _join(self._parts)
        self._parts.clear()
        if commit.entries:
            self.next_seq = commit.entries[-1].seq + 1
        return commit


def _join(parts: list[Commit]) -> Commit:
    if len(parts) == 1:
        return parts[0]
    whole = Commit(tx_id=parts[0].tx_id)
    for part in parts:
        whole.entries.extend(part.entries)
    return whole


class Reconnects:
    """Jittered exponential backoff between reconnects; reset once a message arrives."""

    def __init__(self, policy: RetryPolicy, max_reconnects: int | None) -> None:
        self._policy = policy
        self._max = max_reconnects
        self._failures = 0

    def connected(self) -> None:
        self._failures = 0

    def delay(self, error: CortexError) -> float | None:
        """Seconds to wait before reconnecting, or None when the error must surface."""
        if error.code not in RESUMABLE:
            return None
        self._failures += 1
        if self._max is not None and self._failures > self._max:
            return None
        backoff = self._policy.backoff(self._failures)
        return max(backoff, error.retry_after or 0.0)
