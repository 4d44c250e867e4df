"""The asyncio Cortex client: the same methods as `CortexClient`, awaitable."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

import grpc
import grpc.aio
from google.protobuf.message import Message

from ._call import UnaryCall, unary_call
from ._channel import ChannelOptions, TLSLike, call_metadata, channel_settings, new_correlation_id
from ._pages import AsyncPages
from ._proto.cortex.v1.agent_service_pb2 import GetSnapshotResponse, PutStateResponse
from ._proto.cortex.v1.context_service_pb2 import BuildContextResponse, CountTokensResponse
from ._proto.cortex.v1.ledger_service_pb2 import (
    Commit,
    GetConsistencyProofResponse,
    GetInclusionProofResponse,
    GetSignedHeadResponse,
    LedgerEntry,
    RecordResponse,
    SubscribeRequest,
    VerifyResponse,
)
from ._proto.cortex.v1.memory_pb2 import Memory
from ._proto.cortex.v1.memory_service_pb2 import (
    ForgetResponse,
    GetMemoryResponse,
    RecallResponse,
    RememberResponse,
    RunMaintenanceResponse,
)
from ._requests import MemoryLike, build, json_text, memory_inputs
from ._retry import RetryPolicy
from ._rpc import RPCS
from ._subscription import Cursor, Reconnects
from ._types import CompressionLike, FilterLike, PayloadLike, RecallModeLike, Timestamp, Turns
from .client import DEFAULT_TIMEOUT
from .errors import from_rpc_error


class AsyncCortexClient:
    """`CortexClient` for asyncio: same arguments, awaitable methods, `async with`. Create it
    inside the event loop that uses it. `interceptors` are `grpc.aio` client interceptors."""

    def __init__(
        self,
        target: str | None = None,
        *,
        api_key: str | None = None,
        tls: TLSLike = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        options: ChannelOptions = (),
        interceptors: Sequence[Any] = (),
    ) -> None:
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        settings = channel_settings(target, api_key, tls, options)
        self.target = settings.target
        self._api_key = settings.api_key
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._channel = (
            grpc.aio.secure_channel(settings.target, settings.credentials, settings.options, interceptors=interceptors)
            if settings.credentials is not None
            else grpc.aio.insecure_channel(settings.target, settings.options, interceptors=interceptors)
        )
        self._stubs: dict[Any, Any] = {}

    async def __aenter__(self) -> AsyncCortexClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        await self._channel.close()

    # MemoryService

    async def remember(
        self,
        namespace: str,
        memories: Iterable[MemoryLike],
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> RememberResponse:
        """Upserts up to 500 memories atomically. Each item is a string (the content), a dict of
        MemoryInput fields or a MemoryInput. Retried only when every item has an `id`."""
        return await self._unary(
            "MemoryService.Remember", timeout, correlation_id, namespace=namespace, memories=memory_inputs(memories)
        )

    async def recall(
        self,
        namespace: str,
        query: str,
        *,
        top_k: int = 10,
        mode: RecallModeLike = "hybrid",
        filter: FilterLike | None = None,
        min_score: float = 0.0,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> RecallResponse:
        """The memories most relevant to `query`, best first; `mode` is "hybrid", "vector" or "keyword"."""
        return await self._unary(
            "MemoryService.Recall",
            timeout,
            correlation_id,
            namespace=namespace,
            query=query,
            top_k=top_k,
            mode=mode,
            filter=filter,
            min_score=min_score,
        )

    async def get_memory(
        self, namespace: str, id: str, *, timeout: float | None = None, correlation_id: str | None = None
    ) -> GetMemoryResponse:
        """One memory by id (raises NotFound); fetching a COLD memory re-warms it."""
        return await self._unary("MemoryService.GetMemory", timeout, correlation_id, namespace=namespace, id=id)

    def list_memories(
        self,
        namespace: str,
        *,
        page_size: int = 50,
        page_token: str = "",
        filter: FilterLike | None = None,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> AsyncPages[Memory]:
        """Every memory of the namespace (creation time, then id), fetched `page_size` at a time.
        `timeout` applies to each page."""

        async def fetch(token: str) -> Any:
            return await self._unary(
                "MemoryService.ListMemories",
                timeout,
                correlation_id,
                namespace=namespace,
                page_size=page_size,
                page_token=token,
                filter=filter,
            )

        return AsyncPages(fetch, "memories", page_token)

    async def forget(
        self,
        namespace: str,
        ids: Iterable[str] | None = None,
        *,
        filter: FilterLike | None = None,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> ForgetResponse:
        """Deletes memories by id and/or filter. Retried only when it names ids."""
        return await self._unary(
            "MemoryService.Forget", timeout, correlation_id, namespace=namespace, ids=ids, filter=filter
        )

    async def run_maintenance(
        self,
        namespace: str = "",
        *,
        dry_run: bool = False,
        as_of: Timestamp | None = None,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> RunMaintenanceResponse:
        """Runs the tier maintenance job now, for one namespace or (default) all."""
        return await self._unary(
            "MemoryService.RunMaintenance",
            timeout,
            correlation_id,
            namespace=namespace,
            dry_run=dry_run,
            as_of=as_of,
        )

    # ContextService

    async def build_context(
        self,
        namespace: str,
        query: str,
        token_budget: int,
        model: str,
        agent_id: str | None = None,
        *,
        reserve_tokens: int = 0,
        compression: CompressionLike = "combined",
        history: Turns | None = None,
        candidate_count: int = 0,
        min_relevance: float = 0.0,
        disable_relevance_floor: bool = False,
        dedupe_threshold: float = 0.95,
        filter: FilterLike | None = None,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> BuildContextResponse:
        """Packs the memories relevant to `query` into `token_budget - reserve_tokens` tokens of
        `model`'s tokenizer. `history` turns are dicts like `{"role": "user", "content": "..."}`.
        `candidate_count` 0 and `min_relevance` 0.0 take the server's defaults (a count sized to the
        budget, the calibrated relevance floor); `disable_relevance_floor` packs whatever the relevance."""
        return await self._unary(
            "ContextService.BuildContext",
            timeout,
            correlation_id,
            namespace=namespace,
            query=query,
            token_budget=token_budget,
            model=model,
            agent_id=agent_id,
            reserve_tokens=reserve_tokens,
            compression=compression,
            history=history,
            candidate_count=candidate_count,
            min_relevance=min_relevance,
            disable_relevance_floor=disable_relevance_floor,
            dedupe_threshold=dedupe_threshold,
            filter=filter,
        )

    async def count_tokens(
        self, model: str, texts: Iterable[str], *, timeout: float | None = None, correlation_id: str | None = None
    ) -> CountTokensResponse:
        """Token counts of `texts` with `model`'s tokenizer."""
        return await self._unary("ContextService.CountTokens", timeout, correlation_id, model=model, texts=list(texts))

    # LedgerService

    async def record(
        self,
        actor: str,
        action: str,
        *,
        namespace: str = "",
        subject: str = "",
        agent_id: str = "",
        payload_json: PayloadLike = "",
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> RecordResponse:
        """Appends an audit event; `payload_json` may be a dict. Never retried. The entry's actor is
        the API key's principal; `actor` is kept beside it as `on_behalf_of` (may be "")."""
        return await self._unary(
            "LedgerService.Record",
            timeout,
            correlation_id,
            actor=actor,
            action=action,
            namespace=namespace,
            subject=subject,
            agent_id=agent_id,
            payload_json=json_text(payload_json),
        )

    def get_entries(
        self,
        from_seq: int = 0,
        to_seq: int = 0,
        *,
        page_size: int = 100,
        page_token: str = "",
        namespace: str = "",
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> AsyncPages[LedgerEntry]:
        """Ledger entries `from_seq..to_seq` (0: oldest live, head), fetched a page at a time: of
        `namespace`, or of every namespace the API key holds."""

        async def fetch(token: str) -> Any:
            return await self._unary(
                "LedgerService.GetEntries",
                timeout,
                correlation_id,
                from_seq=from_seq,
                to_seq=to_seq,
                page_size=page_size,
                page_token=token,
                namespace=namespace,
            )

        return AsyncPages(fetch, "entries", page_token)

    async def verify(
        self,
        from_seq: int = 0,
        to_seq: int = 0,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> VerifyResponse:
        """Recomputes hashes, links and checkpoint signatures over a range (default: all)."""
        return await self._unary("LedgerService.Verify", timeout, correlation_id, from_seq=from_seq, to_seq=to_seq)

    async def get_signed_head(
        self,
        tree_size: int = 0,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> GetSignedHeadResponse:
        """A signed tree head: the newest (`tree_size` 0) or the one signed at `tree_size`. Check its
        `note` (a C2SP signed note) with the server's public key before trusting it (docs/ledger.md)."""
        return await self._unary("LedgerService.GetSignedHead", timeout, correlation_id, tree_size=tree_size)

    async def get_inclusion_proof(
        self,
        seq: int,
        tree_size: int = 0,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> GetInclusionProofResponse:
        """The RFC 9162 audit path of entry `seq` in the tree of `tree_size` entries (0: the newest
        head's). Leaf index `seq - 1`, leaf data the 32 bytes of the entry's hash."""
        return await self._unary("LedgerService.GetInclusionProof", timeout, correlation_id, seq=seq, tree_size=tree_size)

    async def get_consistency_proof(
        self,
        from_size: int,
        to_size: int = 0,
        *,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> GetConsistencyProofResponse:
        """The RFC 9162 proof that the tree of `from_size` entries is a prefix of the one of
        `to_size` (0: the newest head's)."""
        return await self._unary("LedgerService.GetConsistencyProof", timeout, correlation_id, from_size=from_size, to_size=to_size)

    def subscribe(
        self,
        from_seq: int = 0,
        namespace: str | None = None,
        *,
        actions: Iterable[str] | None = None,
        agent_id: str | None = None,
        include_archived: bool = False,
        heartbeat_interval_ms: int = 5000,
        to_seq: int = 0,
        max_reconnects: int | None = None,
        correlation_id: str | None = None,
    ) -> AsyncSubscription:
        """Follows the ledger: yields each committed transaction (a `Commit`, all its parts
        joined) in order. When the stream breaks (server restart, network, being cut off for
        falling behind) it reconnects with jittered backoff from the first seq not yet delivered,
        so nothing is lost or repeated; `max_reconnects` failures in a row (default: no limit)
        raise the last error. Ends after `to_seq` when given; `close()` or `break` stops it."""
        request = build(
            SubscribeRequest,
            from_seq=from_seq,
            namespace=namespace,
            actions=actions,
            agent_id=agent_id,
            include_archived=include_archived,
            heartbeat_interval_ms=heartbeat_interval_ms,
            to_seq=to_seq,
        )
        return AsyncSubscription(self, request, Reconnects(self._retry, max_reconnects), correlation_id)

    # AgentService

    async def get_snapshot(
        self,
        namespace: str,
        agent_id: str,
        *,
        hot_limit: int = 100,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> GetSnapshotResponse:
        """What an agent needs to resume: hot memories, state, tier counts, ledger head."""
        return await self._unary(
            "AgentService.GetSnapshot", timeout, correlation_id, namespace=namespace, agent_id=agent_id, hot_limit=hot_limit
        )

    async def put_state(
        self,
        namespace: str,
        agent_id: str,
        *,
        set: Mapping[str, str] | None = None,
        delete_keys: Iterable[str] | None = None,
        expected_version: int | None = None,
        replace: bool = False,
        timeout: float | None = None,
        correlation_id: str | None = None,
    ) -> PutStateResponse:
        """Sets and deletes state keys atomically; with `expected_version` only if the state is
        still at that version (else `Aborted`, reason STATE_VERSION_CONFLICT). Never retried."""
        return await self._unary(
            "AgentService.PutState",
            timeout,
            correlation_id,
            namespace=namespace,
            agent_id=agent_id,
            set=set,
            delete_keys=delete_keys,
            expected_version=expected_version,
            replace=replace,
        )

    # Transport

    async def _unary(self, name: str, timeout: float | None, correlation_id: str | None, **fields: Any) -> Any:
        call = unary_call(
            name,
            build(RPCS[name].request_class, **fields),
            api_key=self._api_key,
            timeout=timeout or self._timeout,
            policy=self._retry,
            correlation_id=correlation_id,
        )
        return await self._run(call)

    async def _run(self, call: UnaryCall) -> Message:
        invoke = self._multicallable(call.rpc.name)
        for attempt in itertools.count(1):
            remaining = call.remaining()
            if remaining <= 0:
                raise call.expired()
            try:
                return await invoke(call.request, timeout=remaining, metadata=call.metadata)
            except grpc.RpcError as rpc_error:
                error = from_rpc_error(rpc_error, call.correlation_id)
            delay = call.retry_delay(error, attempt)
            if delay is None:
                raise error
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _multicallable(self, name: str) -> Any:
        rpc = RPCS[name]
        stub = self._stubs.get(rpc.stub_class)
        if stub is None:
            stub = self._stubs[rpc.stub_class] = rpc.stub_class(self._channel)
        return getattr(stub, rpc.method)

    def _open_stream(self, request: SubscribeRequest, correlation_id: str) -> Any:
        invoke = self._multicallable("LedgerService.Subscribe")
        return invoke(request, metadata=call_metadata(self._api_key, correlation_id))


class AsyncSubscription(AsyncIterator[Commit]):
    """The async iterator `AsyncCortexClient.subscribe` returns; see `Subscription`."""

    def __init__(
        self, client: AsyncCortexClient, request: SubscribeRequest, reconnects: Reconnects, correlation_id: str | None
    ) -> None:
        self._client = client
        self._cursor = Cursor(request)
        self._reconnects = reconnects
        self._correlation_id = correlation_id or new_correlation_id()
        self._closed = asyncio.Event()
        self._call: Any = None
        self._commits = self._follow()

    @property
    def next_seq(self) -> int:
        return self._cursor.next_seq

    async def __anext__(self) -> Commit:
        return await self._commits.__anext__()

    async def __aenter__(self) -> AsyncSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def cancel(self) -> None:
        """Stops the subscription: an iteration in progress ends instead of waiting."""
        self._closed.set()
        if self._call is not None:
            self._call.cancel()

    async def aclose(self) -> None:
        """Stops the subscription and releases its call."""
        self.cancel()
        await self._commits.aclose()

    async def _follow(self) -> AsyncGenerator[Commit, None]:
        try:
            while not self._closed.is_set():
                self._call = self._client._open_stream(self._cursor.request(), self._correlation_id)
                try:
                    async for message in self._call:
                        self._reconnects.connected()
                        commit = self._cursor.accept(message)
                        if commit is not None:
                            yield commit
                    return  # The server ended the stream: to_seq was reached.
                except grpc.RpcError as rpc_error:
                    if self._closed.is_set():
                        return
                    error = from_rpc_error(rpc_error, self._correlation_id)
                except asyncio.CancelledError:
                    if self._closed.is_set():
                        return
                    raise
                delay = self._reconnects.delay(error)
                if delay is None:
                    raise error
                try:
                    await asyncio.wait_for(self._closed.wait(), delay)
                except asyncio.TimeoutError:
                    pass
        finally:
            if self._call is not None:
                self._call.cancel()
