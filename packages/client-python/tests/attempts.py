"""Counts call attempts per RPC (e.g. `GetMemory`) through a grpc client interceptor."""

from __future__ import annotations

from collections import Counter
from typing import Any

import grpc
import grpc.aio


class AttemptCounter(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        self.counts[client_call_details.method.rsplit("/", 1)[-1]] += 1
        return continuation(client_call_details, request)


class AsyncAttemptCounter(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """`AttemptCounter` for grpc.aio channels."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    async def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        method = client_call_details.method
        name = method.decode() if isinstance(method, bytes) else method
        self.counts[name.rsplit("/", 1)[-1]] += 1
        return await continuation(client_call_details, request)
