"""RetryPolicy's decisions, with the jitter pinned."""

from __future__ import annotations

import pytest

from cortex_client import CortexClient, RetryPolicy
from cortex_client._idempotency import Idempotency
from cortex_client.errors import DeadlineExceeded, InvalidArgument, ResourceExhausted, Unavailable

HALF = RetryPolicy(max_attempts=4, initial_backoff=0.1, max_backoff=0.3, random=lambda: 0.5)


def test_backoff_doubles_with_full_jitter_up_to_the_cap() -> None:
    assert [HALF.backoff(n) for n in (1, 2, 3, 4)] == pytest.approx([0.05, 0.1, 0.15, 0.15])


def test_only_transient_codes_of_calls_safe_to_repeat_are_retried() -> None:
    unavailable = Unavailable("down")
    assert HALF.delay(unavailable, 1, Idempotency.READ) == pytest.approx(0.05)
    assert HALF.delay(unavailable, 1, Idempotency.IDEMPOTENT) == pytest.approx(0.05)
    assert HALF.delay(unavailable, 1, Idempotency.UNSAFE) is None
    assert HALF.delay(DeadlineExceeded("slow"), 1, Idempotency.READ) is not None
    assert HALF.delay(DeadlineExceeded("slow"), 1, Idempotency.IDEMPOTENT) is None
    assert HALF.delay(InvalidArgument("bad"), 1, Idempotency.READ) is None
    assert HALF.delay(unavailable, 4, Idempotency.READ) is None  # Attempts used up.


def test_retry_after_is_waited_out_unless_longer_than_the_cap() -> None:
    assert HALF.delay(ResourceExhausted("slow down", retry_after=0.25), 1, Idempotency.READ) == 0.25
    assert HALF.delay(ResourceExhausted("slow down", retry_after=0.01), 1, Idempotency.READ) == pytest.approx(0.05)
    assert HALF.delay(ResourceExhausted("slow down", retry_after=1.0), 1, Idempotency.READ) is None


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"initial_backoff": 2, "max_backoff": 1}, {"initial_backoff": -1}])
def test_a_policy_that_cannot_work_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_a_client_refuses_a_timeout_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="timeout"):
        CortexClient("localhost:1", timeout=0)
