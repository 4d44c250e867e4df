"""MemoryService through CortexClient against a real server."""

from __future__ import annotations

import pytest

from cortex_client import CortexClient, InvalidArgument, NotFound, RecallMode, RememberOutcome, Tier


def test_remember_accepts_strings_dicts_and_messages(client: CortexClient, ns: str) -> None:
    from cortex_client import MemoryInput

    stored = client.remember(
        ns,
        [
            "a memory whose id the server picks",
            {"id": "m1", "content": "the deploy key rotates every Tuesday", "kind": "fact", "tags": ["ops"]},
            MemoryInput(id="m2", content="the user prefers short answers", importance=0.9),
        ],
    )
    assert [r.outcome for r in stored.results] == [RememberOutcome.REMEMBER_OUTCOME_CREATED] * 3
    assert stored.results[0].memory.id != ""
    assert [r.memory.id for r in stored.results[1:]] == ["m1", "m2"]
    assert stored.ledger_seq > 0

    again = client.remember(ns, [{"id": "m1", "content": "the deploy key rotates every Tuesday", "kind": "fact", "tags": ["ops"]}])
    assert again.results[0].outcome == RememberOutcome.REMEMBER_OUTCOME_UNCHANGED


def test_remember_rejects_a_single_item_that_is_not_in_a_list(client: CortexClient, ns: str) -> None:
    with pytest.raises(TypeError, match="list"):
        client.remember(ns, "one memory")  # type: ignore[arg-type]


def test_recall_finds_by_keyword_and_by_meaning(client: CortexClient, ns: str) -> None:
    client.remember(
        ns,
        [
            {"id": "deploy", "content": "the deploy key rotates every Tuesday"},
            {"id": "lunch", "content": "lunch is served at noon in the canteen"},
        ],
    )
    keyword = client.recall(ns, "deploy key", mode="keyword")
    assert keyword.mode == RecallMode.RECALL_MODE_KEYWORD
    assert [h.memory.id for h in keyword.hits] == ["deploy"]

    hybrid = client.recall(ns, "when do we eat?", top_k=1)
    assert hybrid.mode == RecallMode.RECALL_MODE_HYBRID
    assert [h.memory.id for h in hybrid.hits] == ["lunch"]


def test_recall_filters_by_dict(client: CortexClient, ns: str) -> None:
    client.remember(ns, [{"id": "a", "content": "alpha rotation", "tags": ["x"]}, {"id": "b", "content": "alpha rotation too"}])
    hits = client.recall(ns, "alpha rotation", mode="KEYWORD", filter={"tags": ["x"], "tiers": ["warm", "hot"]}).hits
    assert [h.memory.id for h in hits] == ["a"]


def test_get_memory_returns_it_and_forget_removes_it(client: CortexClient, ns: str) -> None:
    client.remember(ns, [{"id": "m", "content": "remember me", "metadata": {"source": "test"}}])
    memory = client.get_memory(ns, "m").memory
    assert (memory.content, dict(memory.metadata), memory.tier) == ("remember me", {"source": "test"}, Tier.TIER_WARM)

    forgotten = client.forget(ns, ["m", "missing"])
    assert list(forgotten.forgotten_ids) == ["m"]
    with pytest.raises(NotFound) as raised:
        client.get_memory(ns, "m")
    assert raised.value.reason == "MEMORY_NOT_FOUND"


def test_forget_by_filter(client: CortexClient, ns: str) -> None:
    client.remember(ns, [{"id": "old", "content": "old news", "tags": ["old"]}, {"id": "new", "content": "fresh news"}])
    assert list(client.forget(ns, filter={"tags": ["old"]}).forgotten_ids) == ["old"]
    assert [m.id for m in client.list_memories(ns)] == ["new"]


def test_list_memories_iterates_over_every_page_in_order(client: CortexClient, ns: str) -> None:
    ids = [f"m{i:02d}" for i in range(7)]
    for memory_id in ids:  # One call each, so creation times order them.
        client.remember(ns, [{"id": memory_id, "content": f"memory number {memory_id}"}])
    pages = list(client.list_memories(ns, page_size=3).pages())
    assert [len(p.memories) for p in pages] == [3, 3, 1]
    assert [m.id for m in client.list_memories(ns, page_size=3)] == ids
    resumed = client.list_memories(ns, page_size=3, page_token=pages[0].next_page_token)
    assert [m.id for m in resumed] == ids[3:]


def test_list_memories_of_an_empty_namespace_is_empty(client: CortexClient, ns: str) -> None:
    assert list(client.list_memories(ns)) == []


def test_run_maintenance_reports_counts(client: CortexClient, ns: str) -> None:
    client.remember(ns, ["something to maintain"])
    report = client.run_maintenance(ns, dry_run=True)
    assert report.expired_count == 0


def test_unknown_enum_names_are_refused_before_sending(client: CortexClient, ns: str) -> None:
    with pytest.raises(ValueError, match="hybrid"):
        client.recall(ns, "q", mode="fuzzy")


def test_bad_input_raises_invalid_argument_naming_each_field(client: CortexClient) -> None:
    with pytest.raises(InvalidArgument) as raised:
        client.remember("bad namespace!", [{"id": "ok", "content": ""}])
    error = raised.value
    assert error.code_name == "INVALID_ARGUMENT"
    assert error.reason == "INVALID_ARGUMENT"
    assert error.domain == "cortex.dev"
    assert {v.field for v in error.field_violations} >= {"namespace", "memories[0].content"}
    assert all(v.description for v in error.field_violations)
