"""The README's Python examples run as written against a real server (CORTEX_ADDR and
CORTEX_API_KEY point them at the test server instead of localhost:4949)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cortex_server import CortexServer

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)


@pytest.fixture
def readme_env(server: CortexServer, api_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORTEX_ADDR", server.address)
    monkeypatch.setenv("CORTEX_API_KEY", api_keys["default"])


def run_block(index: int) -> None:
    exec(compile(BLOCKS[index], f"README.md python block {index}", "exec"), {"__name__": "readme"})


def test_the_quick_start_runs_all_five_steps(readme_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    run_block(0)
    out = capsys.readouterr().out
    assert "The user prefers short answers" in out
    assert re.search(r"^\d+ tokens:", out, re.MULTILINE)
    assert "{'step': 'drafting'}" in out
    assert re.search(r"^\d+ memory\.created pref-1$", out, re.MULTILINE)
    assert re.search(r"^\d+ state\.put bot$", out, re.MULTILINE)


def test_the_error_example_runs(readme_env: None) -> None:
    run_block(0)
    error_example = next(i for i, block in enumerate(BLOCKS) if "except Aborted" in block)
    run_block(error_example)


def test_the_asyncio_example_runs(readme_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    run_block(next(i for i, block in enumerate(BLOCKS) if "AsyncCortexClient()" in block))
    assert "The user prefers short answers" in capsys.readouterr().out


ROOT_README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_repository_readme_quick_start_runs(readme_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    """The Python block of the repository README's five steps, shown beside TypeScript and Go."""
    block = next(b for b in re.findall(r"```python\n(.*?)```", ROOT_README.read_text(), re.DOTALL) if "# 1. Remember" in b)
    exec(compile(block, "README.md (repository) python quick start", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "The staging deploy failed: migration 42 timed out" in out
    assert re.search(r"^\d+ tokens:$", out, re.MULTILINE)
    assert re.search(r"^\d+ hot memories, ledger head \d+$", out, re.MULTILINE)
    assert re.search(r"^\d+ memory\.created deploy-42$", out, re.MULTILINE)
