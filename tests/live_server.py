"""A real `timeline serve` process on a free port, for tests that talk to it as a client would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

TIMELINE = str(Path(sys.executable).parent / "timeline")
KEY = "timeline-test-key"


@dataclass(frozen=True)
class LiveServer:
    base: str
    key: str
    env: dict[str, str]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(
    base: str, process: subprocess.Popen, log_path: Path, timeout: float = 60
) -> None:
    """Poll /readyz until the server answers 200; fail with its log if it exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("server did not start: " + log_path.read_text())
        time.sleep(0.2)


def run_timeline(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [TIMELINE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@contextmanager
def live_server(
    workdir: Path, *, seed: bool = True, database_url: str | None = None
) -> Iterator[LiveServer]:
    """Migrate (and seed) a database — by default a SQLite file in `workdir` — serve it with
    `timeline serve`, and stop the server afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'timeline.db'}",
        "TIMELINE_API_KEYS": KEY,
        "PORT": str(port),
    }
    run_timeline(["migrate"], env)
    if seed:
        run_timeline(["seed"], env)
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TIMELINE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base, process, log_path)
            yield LiveServer(base=base, key=KEY, env=env, log=log_path)
        finally:
            process.terminate()
            process.wait(timeout=10)
