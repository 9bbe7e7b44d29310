"""Servers in child processes on loopback: `baton serve`, or any app factory under uvicorn.

The benchmarks and the fault tests (which kill -9 them) share this; the child imports the same
`baton` package as the parent, whatever the install.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """The parent's environment less its BATON_* settings, plus `settings` and our import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    source = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    env.update(settings)
    return env


class ServerProcess:
    """One server process: start it, wait until it answers, then stop, kill or restart it."""

    def __init__(
        self, argv: list[str], *, env: dict[str, str], port: int, workdir: Path, name: str
    ) -> None:
        self.argv = argv
        self.env = env
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.workdir = workdir
        self.log_path = workdir / f"{name}-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def baton(
        cls,
        *,
        settings: dict[str, str],
        workdir: Path,
        workers: int = 1,
        port: int | None = None,
        access_log: bool = False,
    ) -> ServerProcess:
        """`baton serve` with the given BATON_* settings, as an operator would run it."""
        port = port or free_port()
        argv = [sys.executable, "-m", "baton", "serve", "--host", HOST, "--port", str(port)]
        argv += ["--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
        return cls(argv, env=child_env(settings), port=port, workdir=workdir, name="baton")

    @classmethod
    def factory(
        cls, factory: str, *, settings: dict[str, str], workdir: Path, port: int | None = None
    ) -> ServerProcess:
        """An app factory (`module:function`) under uvicorn, without access logs."""
        port = port or free_port()
        argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", HOST]
        argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        return cls(argv, env=child_env(settings), port=port, workdir=workdir, name="app")

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

    def start(self, ready_path: str = "/healthz", timeout: float = 180.0) -> ServerProcess:
        """Spawn the process and wait until `ready_path` answers 200."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.argv, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.wait_ready(ready_path, timeout)
        return self

    def wait_ready(self, path: str = "/healthz", timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + path, timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer {path} in {timeout} s; see {self.log_path}")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """kill -9 the whole process group: no shutdown, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        for child in self._children():
            _kill_quietly(child)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL after 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_kib(self) -> int:
        """Resident memory of the process and its children (the workers), in KiB."""
        return sum(_rss_kib(pid) for pid in (self.pid, *self._children()))

    def worker_pids(self) -> list[int]:
        """The live worker processes of `--workers N` (not the resource tracker, not zombies)."""
        return [pid for pid in self._children() if _is_live_worker(pid)]

    def _children(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _is_live_worker(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"spawn_main" in command and state != "Z"


def _kill_quietly(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
