"""ContextService, LedgerService (unary) and AgentService through CortexClient against a real server."""

from __future__ import annotations

import hashlib
import json

import pytest

from cortex_client import Aborted, CortexClient, InvalidArgument


def test_build_context_packs_relevant_memories_within_the_budget(client: CortexClient, ns: str) -> None:
    client.remember(
        ns,
        [
            {"id": "pref", "agent_id": "bot", "content": "The user prefers short answers in bullet points."},
            {"id": "tz", "content": "The user lives in Lisbon and works late evenings."},
        ],
    )
    context = client.build_context(
        ns,
        "how should I format my answer?",
        token_budget=200,
        model="gpt-4o",
        agent_id="bot",
        reserve_tokens=20,
        history=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
    )
    assert context.token_budget == 180
    assert 0 < context.tokens_used <= 180
    assert "pref" in [s.memory_id for s in context.sections]
    assert context.tokenizer == "o200k_base"
    assert context.tokens_used == client.count_tokens("gpt-4o", [context.text]).total_tokens


def test_build_context_leaves_unrelated_memories_out_unless_the_floor_is_off(client: CortexClient, ns: str) -> None:
    client.remember(ns, [{"id": "coffee", "content": "The user takes their coffee black with two sugars."}])
    floored = client.build_context(ns, "what happened with the deploy?", 500, "gpt-4o")
    assert floored.relevance_floor > 0
    assert "coffee" not in [s.memory_id for s in floored.sections]
    unfloored = client.build_context(ns, "what happened with the deploy?", 500, "gpt-4o", disable_relevance_floor=True)
    assert unfloored.relevance_floor == 0
    assert "coffee" in [s.memory_id for s in unfloored.sections]
    assert unfloored.budget_split.memory_tokens == unfloored.tokens_used


def test_build_context_rejects_an_unknown_model(client: CortexClient, ns: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        client.build_context(ns, "q", 100, "no-such-model")
    assert [v.field for v in raised.value.field_violations] == ["model"]


def test_count_tokens_counts_each_text(client: CortexClient) -> None:
    counted = client.count_tokens("gpt-4o", ["hello world", "", "a much longer text with more tokens in it"])
    assert len(counted.token_counts) == 3
    assert counted.token_counts[1] == 0
    assert counted.total_tokens == sum(counted.token_counts)
    assert not counted.estimated


def test_record_appends_an_audit_event_with_a_dict_payload(client: CortexClient, ns: str) -> None:
    recorded = client.record("ops-bot", "deploy.finished", namespace=ns, subject="api", payload_json={"version": "1.2.3"})
    entry = recorded.entry
    # The actor is the API key's principal; the claimed actor is kept beside it.
    assert (entry.actor, entry.on_behalf_of, entry.action, entry.subject, entry.namespace) == ("default", "ops-bot", "deploy.finished", "api", ns)
    assert json.loads(entry.payload_json) == {"version": "1.2.3"}
    assert entry.seq > 0 and len(entry.hash) == 64


def test_get_entries_iterates_every_page_of_a_range(client: CortexClient, ns: str) -> None:
    seqs = [client.record("tester", "test.step", namespace=ns, subject=str(i)).entry.seq for i in range(5)]
    entries = list(client.get_entries(seqs[0], seqs[-1], page_size=2))
    assert [e.seq for e in entries] == seqs
    assert [e.subject for e in entries] == ["0", "1", "2", "3", "4"]
    assert [len(p.entries) for p in client.get_entries(seqs[0], seqs[-1], page_size=2).pages()] == [2, 2, 1]


def test_verify_checks_the_chain(client: CortexClient, ns: str) -> None:
    seq = client.record("tester", "test.verify", namespace=ns).entry.seq
    verified = client.verify(to_seq=seq)
    assert verified.ok
    assert verified.to_seq == seq and verified.entries_checked >= 1


def test_put_state_and_get_snapshot(client: CortexClient, ns: str) -> None:
    first = client.put_state(ns, "bot", set={"step": "1", "topic": "billing"})
    assert first.version == 1
    second = client.put_state(ns, "bot", set={"step": "2"}, delete_keys=["topic"], expected_version=1)
    assert (second.version, dict(second.state)) == (2, {"step": "2"})

    client.remember(ns, [{"id": "hot", "agent_id": "bot", "content": "working on invoice 42"}])
    snapshot = client.get_snapshot(ns, "bot")
    assert dict(snapshot.state) == {"step": "2"}
    assert snapshot.state_version == 2
    assert snapshot.ledger_head_seq >= second.ledger_seq
    assert snapshot.tier_counts.hot + snapshot.tier_counts.warm == 1


def test_put_state_with_a_stale_version_raises_aborted_with_the_current_version(client: CortexClient, ns: str) -> None:
    client.put_state(ns, "bot", set={"k": "v"})
    with pytest.raises(Aborted) as raised:
        client.put_state(ns, "bot", set={"k": "w"}, expected_version=0)
    assert raised.value.reason == "STATE_VERSION_CONFLICT"
    assert raised.value.metadata["currentVersion"] == "1"


def test_expected_version_zero_means_no_state_yet(client: CortexClient, ns: str) -> None:
    assert client.put_state(ns, "fresh", set={"k": "v"}, expected_version=0).version == 1


def _root_from_audit_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2, written here from the RFC."""
    node = lambda left, right: hashlib.sha256(b"\x01" + left + right).digest()  # noqa: E731
    fn, sn, root = index, size - 1, leaf
    for sibling in path:
        if fn % 2 == 1 or fn == sn:
            root = node(sibling, root)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            root = node(root, sibling)
        fn, sn = fn // 2, sn // 2
    assert sn == 0
    return root


def test_signed_heads_and_proofs_of_a_recorded_entry(client: CortexClient, ns: str) -> None:
    # The conformance server signs a head in every appending transaction.
    first = client.record("tester", "test.proof", namespace=ns, subject="a").entry
    second = client.record("tester", "test.proof", namespace=ns, subject="b").entry
    head = client.get_signed_head(second.seq).head
    assert (head.tree_size, head.last_entry_hash, head.origin) == (second.seq, second.hash, "cortex.ledger")
    assert head.note.split("\n")[1] == str(second.seq)
    proof = client.get_inclusion_proof(first.seq, second.seq)
    assert (proof.seq, proof.tree_size, proof.head.note) == (first.seq, second.seq, head.note)
    leaf = hashlib.sha256(b"\x00" + bytes.fromhex(first.hash)).digest()
    assert _root_from_audit_path(leaf, first.seq - 1, second.seq, list(proof.hashes)) == head.root_hash
    consistency = client.get_consistency_proof(first.seq, second.seq)
    assert (consistency.from_size, consistency.to_size) == (first.seq, second.seq) and len(consistency.hashes) >= 1
    with pytest.raises(InvalidArgument) as raised:
        client.get_inclusion_proof(0)
    assert [v.field for v in raised.value.field_violations] == ["seq"]
