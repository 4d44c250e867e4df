"""Runs the real Cortex server (packages/server, `cortex serve`) as a child process, the way
packages/client-ts/test/server.ts does: a free port (or a given one), its own data directory,
the port read from the "cortex serving" log line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections import deque
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER_DIR = REPO_ROOT / "packages" / "server"
MODEL_DIR = os.environ.get("CORTEX_MODEL_DIR", str(REPO_ROOT / "models" / "e5-small-v2"))
START_TIMEOUT = 60.0


class CortexServer:
    """`start()` it, `stop()` it, `start()` it again on the same port and data directory."""

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1", env: dict[str, str] | None = None) -> None:
        self.port = port
        self.host = host
        self.env = dict(env or {})
        self.data_dir = tempfile.mkdtemp(prefix="cortex-python-")
        self._process: subprocess.Popen[str] | None = None
        self._log: deque[str] = deque(maxlen=200)

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def start(self) -> CortexServer:
        env = {
            **os.environ,
            "CORTEX_ENV": "test",
            "CORTEX_HOST": self.host,
            "CORTEX_PORT": str(self.port),
            "CORTEX_METRICS_PORT": "0",
            "CORTEX_DATA_DIR": self.data_dir,
            "CORTEX_MODEL_DIR": MODEL_DIR,
            "CORTEX_LOG_LEVEL": "info",
            **self.env,
        }
        process = subprocess.Popen(
            ["node", "--import", "tsx", "src/main.ts", "serve"],
            cwd=SERVER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._process = process
        serving = threading.Event()
        threading.Thread(target=self._read_log, args=(process, serving), daemon=True).start()
        if not serving.wait(START_TIMEOUT) or process.poll() is not None:
            self.stop()
            raise RuntimeError("cortex did not start:\n" + "\n".join(self._log))
        return self

    def _read_log(self, process: subprocess.Popen[str], serving: threading.Event) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._log.append(line.rstrip())
            if not serving.is_set():
                entry = _json(line)
                if entry.get("message") == "cortex serving":
                    self.port = int(entry["grpcPort"])
                    serving.set()
        serving.set()  # Exited: start() reports it.

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown) and wait for the exit; the data directory stays."""
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _json(line: str) -> dict[str, object]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now on `host`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
