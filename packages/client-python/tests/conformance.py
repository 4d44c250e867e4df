"""The Python runner of the conformance suite (conformance/README.md): every scenario's calls go
through CortexClient's public methods, chosen and fed generically from the RPC name and the
request's proto3 JSON, so a new scenario needs no code here."""

from __future__ import annotations

import inspect
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from cortex_client import CortexClient, CortexError
from cortex_client._rpc import RPCS, Rpc

TAKE_TIMEOUT = 10.0
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_RUN = uuid.uuid4().hex[:8]


class ScenarioFailed(AssertionError):
    pass


def run_scenario(path: Path, address: str, keys: dict[str, str], number: int) -> None:
    scenario = json.loads(path.read_text())
    saved: dict[str, Any] = {"ns": f"conf-{_RUN}-py{number}"}
    with ExitStack() as stack:
        clients: dict[str, CortexClient] = {}

        def client_as(name: str) -> CortexClient:
            if name not in clients:
                clients[name] = stack.enter_context(CortexClient(address, api_key=keys[name], timeout=20))
            return clients[name]

        for index, step in enumerate(scenario["steps"]):
            where = f"{path.name} step {index} ({step['call']})"
            outcome = perform(client_as(step.get("as", "default")), substitute(step, saved))
            problems = check(substitute(step.get("expect", {}), saved), outcome)
            if problems:
                raise ScenarioFailed(f"{scenario['name']}: {where}:\n  " + "\n  ".join(problems))
            for name, dotted in step.get("save", {}).items():
                saved[name] = lookup(outcome["response"], dotted, where)


def perform(client: CortexClient, step: dict[str, Any]) -> dict[str, Any]:
    """Calls the SDK method for `step` and returns what happened as JSON."""
    rpc = RPCS[step["call"].removeprefix("cortex.v1.")]
    method = getattr(client, rpc.python_name)
    arguments = keyword_arguments(rpc, step.get("request", {}), method)
    try:
        if rpc.streaming:
            return {"code": "OK", "messages": take(method(**arguments), step.get("take", 1))}
        result = method(**arguments)
        if step.get("iterate"):
            return {"code": "OK", "items": [to_json(item) for item in result]}
        if not isinstance(result, Message):  # An all-pages iterator: the step wants one page.
            result = next(result.pages())
        return {"code": "OK", "response": to_json(result)}
    except CortexError as error:
        return {
            "code": error.code_name,
            "reason": error.reason,
            "fieldViolations": sorted({v.field for v in error.field_violations}),
        }


def keyword_arguments(rpc: Rpc, request: dict[str, Any], method: Any) -> dict[str, Any]:
    """The request's set fields, by name, as the method's keyword arguments; a required argument
    the JSON leaves out gets the field's proto3 default (e.g. an empty query)."""
    message = json_format.ParseDict(request, rpc.request_class())
    required = {name for name, p in inspect.signature(method).parameters.items() if p.default is p.empty}
    fields = {field for field, _ in message.ListFields()}
    fields |= {f for f in message.DESCRIPTOR.fields if f.name in required}
    arguments: dict[str, Any] = {}
    for field in fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            arguments[field.name] = dict(value)
        elif field.is_repeated:
            arguments[field.name] = list(value)
        else:
            arguments[field.name] = value
    return arguments


def take(subscription: Iterator[Message], count: int) -> list[dict[str, Any]]:
    """The first `count` commits, wrapped as SubscribeResponse JSON; fails after TAKE_TIMEOUT."""
    timer = threading.Timer(TAKE_TIMEOUT, subscription.close)  # type: ignore[attr-defined]
    timer.start()
    messages: list[dict[str, Any]] = []
    try:
        for commit in subscription:
            messages.append({"commit": to_json(commit)})
            if len(messages) == count:
                break
    finally:
        timer.cancel()
        subscription.close()  # type: ignore[attr-defined]
    if len(messages) < count:
        raise ScenarioFailed(f"only {len(messages)} of {count} commits within {TAKE_TIMEOUT} s")
    return messages


def to_json(message: Message) -> Any:
    return json_format.MessageToDict(message)


def substitute(value: Any, saved: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return saved[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(saved[m.group(1)]), value)
    return value


def check(expect: dict[str, Any], outcome: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    code = expect.get("code", "OK")
    if outcome["code"] != code:
        detail = f" ({outcome.get('reason')}, {outcome.get('fieldViolations')})" if outcome["code"] != "OK" else ""
        return [f"code: expected {code}, got {outcome['code']}{detail}"]
    if "reason" in expect and outcome.get("reason") != expect["reason"]:
        problems.append(f"reason: expected {expect['reason']}, got {outcome.get('reason')}")
    if "fieldViolations" in expect and outcome.get("fieldViolations") != sorted(set(expect["fieldViolations"])):
        problems.append(f"fieldViolations: expected {sorted(expect['fieldViolations'])}, got {outcome.get('fieldViolations')}")
    for key in ("response", "items", "messages"):
        if key in expect:
            problems.extend(match(expect[key], outcome.get(key), key))
    return problems


def match(expected: Any, actual: Any, path: str) -> list[str]:
    """Where `actual` differs from `expected` (objects: expected keys only; arrays: same length,
    in order; "*": present; {"$len": N}: an array of N; int64 strings equal numbers). A key the
    JSON left out holds its default, so it matches 0, "", false, [] and {}."""
    if expected == "*":
        return [] if actual is not None else [f"{path}: expected a value, got none"]
    if isinstance(expected, dict) and set(expected) == {"$len"}:
        length = len(actual) if isinstance(actual, list) else 0 if actual is None else None
        return [] if length == expected["$len"] else [f"{path}: expected {expected['$len']} items, got {actual!r}"]
    if actual is None and _is_default(expected):
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        return [p for key, value in expected.items() for p in match(value, actual.get(key), f"{path}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual)) for p in match(e, a, f"{path}.{i}")]
    return [] if _same_scalar(expected, actual) else [f"{path}: expected {expected!r}, got {actual!r}"]


def _is_default(value: Any) -> bool:
    return value in (0, "0", "", False, [], {}) and value is not None


def _same_scalar(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, str) != isinstance(actual, str):  # An int64 as a string or a number.
        try:
            return float(expected) == float(actual)
        except (TypeError, ValueError):
            return False
    return bool(expected == actual)


def lookup(value: Any, dotted: str, where: str) -> Any:
    for part in dotted.split("."):
        try:
            value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ScenarioFailed(f"{where}: cannot save {dotted!r} from the response") from None
    return value
