"""One unary call as both clients run it: the request, its metadata, its deadline (retries
included) and whether a failed attempt may be repeated."""

from __future__ import annotations

import time
from dataclasses import dataclass

from google.protobuf.message import Message

from ._channel import call_metadata, new_correlation_id
from ._idempotency import Idempotency, idempotency
from ._retry import RetryPolicy
from ._rpc import RPCS, Rpc
from .errors import CortexError, DeadlineExceeded


@dataclass(frozen=True)
class UnaryCall:
    rpc: Rpc
    request: Message
    metadata: tuple[tuple[str, str], ...]
    correlation_id: str
    idempotency: Idempotency
    policy: RetryPolicy
    #: time.monotonic() by which the whole call must be done.
    deadline: float

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def retry_delay(self, error: CortexError, attempt: int) -> float | None:
        """Seconds to wait before another attempt, or None to raise `error` now; no retry starts
        that would end past the deadline."""
        delay = self.policy.delay(error, attempt, self.idempotency)
        if delay is None or time.monotonic() + delay >= self.deadline:
            return None
        return delay

    def expired(self) -> CortexError:
        return DeadlineExceeded("the call's deadline passed before it was sent", correlation_id=self.correlation_id)


def unary_call(
    name: str,
    request: Message,
    *,
    api_key: str | None,
    timeout: float,
    policy: RetryPolicy,
    correlation_id: str | None,
) -> UnaryCall:
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
    rpc = RPCS[name]
    cid = correlation_id or new_correlation_id()
    return UnaryCall(
        rpc=rpc,
        request=request,
        metadata=call_metadata(api_key, cid),
        correlation_id=cid,
        idempotency=idempotency(rpc.descriptor, request),
        policy=policy,
        deadline=time.monotonic() + timeout,
    )
