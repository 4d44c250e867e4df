"""Retries: only transient failures, only calls safe to repeat, exponential backoff with full
jitter, at least the server's `retry-after`, never past the call's deadline."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

import grpc

from ._idempotency import Idempotency
from .errors import CortexError

_RETRYABLE: dict[Idempotency, frozenset[grpc.StatusCode]] = {
    Idempotency.READ: frozenset(
        {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED}
    ),
    Idempotency.IDEMPOTENT: frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}),
    Idempotency.UNSAFE: frozenset(),
}


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries; `RetryPolicy(max_attempts=1)` turns retries off."""

    #: Attempts in total, the first one included.
    max_attempts: int = 3
    #: Cap of the first backoff in seconds; doubles with every attempt.
    initial_backoff: float = 0.1
    #: Cap of any backoff in seconds. A `retry-after` longer than this is not waited out: the
    #: call fails and the caller finds the delay in `CortexError.retry_after`.
    max_backoff: float = 5.0
    #: Uniform in [0, 1); replaceable so backoff is deterministic in tests.
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if not 0 <= self.initial_backoff <= self.max_backoff:
            raise ValueError("backoff must satisfy 0 <= initial_backoff <= max_backoff")

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^(attempt-1)))."""
        return self.random() * min(self.max_backoff, self.initial_backoff * 2 ** max(0, attempt - 1))

    def delay(self, error: CortexError, attempt: int, idempotency: Idempotency) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when the call must fail now."""
        if attempt >= self.max_attempts or error.code not in _RETRYABLE[idempotency]:
            return None
        backoff = self.backoff(attempt)
        if error.code != grpc.StatusCode.RESOURCE_EXHAUSTED or error.retry_after is None:
            return backoff
        return None if error.retry_after > self.max_backoff else max(backoff, error.retry_after)
