"""AsyncCortexClient: the same calls, awaited, against a real server."""

from __future__ import annotations

import pytest
from attempts import AsyncAttemptCounter
from cortex_server import free_port

from cortex_client import AsyncCortexClient, InvalidArgument, NotFound, RememberOutcome, RetryPolicy, Unavailable


async def test_remember_recall_list_and_forget(aclient: AsyncCortexClient, ns: str) -> None:
    stored = await aclient.remember(ns, ["plain text memory", {"id": "k", "content": "the vault code changes monthly"}])
    assert [r.outcome for r in stored.results] == [RememberOutcome.REMEMBER_OUTCOME_CREATED] * 2
    hits = (await aclient.recall(ns, "vault code", mode="keyword")).hits
    assert [h.memory.id for h in hits] == ["k"]
    listed = [m.id async for m in aclient.list_memories(ns, page_size=1)]
    assert sorted(listed) == sorted(r.memory.id for r in stored.results)
    pages = [len(p.memories) async for p in aclient.list_memories(ns, page_size=1).pages()]
    assert pages == [1, 1]
    await aclient.forget(ns, ["k"])
    with pytest.raises(NotFound):
        await aclient.get_memory(ns, "k")


async def test_context_ledger_and_agent_calls(aclient: AsyncCortexClient, ns: str) -> None:
    await aclient.remember(ns, [{"id": "m", "agent_id": "bot", "content": "the user likes tea"}])
    context = await aclient.build_context(ns, "what does the user drink?", 100, "gpt-4o", "bot")
    assert context.tokens_used <= 100
    assert (await aclient.count_tokens("gpt-4o", ["a b c"])).total_tokens > 0
    seq = (await aclient.record("tester", "test.async", namespace=ns)).entry.seq
    assert [e.seq async for e in aclient.get_entries(seq, seq)] == [seq]
    assert (await aclient.verify(to_seq=seq)).ok
    assert (await aclient.get_signed_head(seq)).head.tree_size == seq
    assert (await aclient.get_inclusion_proof(seq, seq)).tree_size == seq
    assert (await aclient.get_consistency_proof(seq, seq)).to_size == seq
    assert (await aclient.put_state(ns, "bot", set={"k": "v"})).version == 1
    assert dict((await aclient.get_snapshot(ns, "bot")).state) == {"k": "v"}
    assert (await aclient.run_maintenance(ns, dry_run=True)).expired_count == 0


async def test_errors_carry_field_violations(aclient: AsyncCortexClient) -> None:
    with pytest.raises(InvalidArgument) as raised:
        await aclient.count_tokens("gpt-4o", [])
    assert [v.field for v in raised.value.field_violations] == ["texts"]


async def test_retries_follow_the_same_rules() -> None:
    attempts = AsyncAttemptCounter()
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.005)
    async with AsyncCortexClient(f"127.0.0.1:{free_port()}", interceptors=[attempts], retry=policy, timeout=5) as client:
        with pytest.raises(Unavailable):
            await client.get_memory("n", "x")
        with pytest.raises(Unavailable):
            await client.record("me", "test.event")
    assert attempts.counts == {"GetMemory": 3, "Record": 1}
