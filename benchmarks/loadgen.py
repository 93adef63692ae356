"""What the HTTP benchmarks share: a fresh PostgreSQL database, ``contactless serve`` (or any
uvicorn app) in its own processes, and Debian's ``wrk`` as the load generator, which is written
in C and leaves the CPU to the server (``apt-get install wrk``; ``make setup-dev`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ADMIN_URL = os.environ.get("CONTACTLESS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-key-" + "0123456789abcdef" * 3
DATA_KEY = "bench-data-key-" + "fedcba9876543210" * 3
AUDIT_KEY = "bench-audit-key-" + "0f1e2d3c4b5a6978" * 3
# wrk's settings for every run: 2 threads, 64 connections, 15 seconds
THREADS = 2
CONNECTIONS = 64
SECONDS = 15


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database, dropped at the end."""
    name = f"contactless_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# several workers share one-time codes, limits and sessions only through Redis
BENCH_REDIS_URL = os.environ.get("CONTACTLESS_BENCH_REDIS", "redis://127.0.0.1:6379/15")


def server_env(url: str, home: Path) -> dict[str, str]:
    """The server as a bank runs it, except for the parts production refuses without a real
    SMS gateway and e-KYC provider: demo mode, JSON logs, Redis shared by the workers."""
    return dict(os.environ, CONTACTLESS_DATABASE_URL=url, CONTACTLESS_HOME=str(home),
                CONTACTLESS_MODE="demo", CONTACTLESS_SECRET_KEY=SECRET,
                CONTACTLESS_DATA_KEY=DATA_KEY, CONTACTLESS_AUDIT_KEY=AUDIT_KEY,
                CONTACTLESS_LOG_JSON="true", CONTACTLESS_REDIS_URL=BENCH_REDIS_URL)


@contextmanager
def running(command: list[str], port: int, env: dict[str, str]) -> Iterator[str]:
    """Start a server process group, wait for its port, and stop it afterwards."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=errors, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    log(errors.read().decode(errors="replace")[-3000:])
                    raise RuntimeError(f"{command[0]} did not start") from None
                time.sleep(0.2)
        time.sleep(1.0)  # the second worker process binds a moment after the first
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        errors.close()


@contextmanager
def contactless_serve(url: str, home: Path, *,
                      env: dict[str, str] | None = None) -> Iterator[str]:
    """``contactless serve --workers 2`` on the benchmark database."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("contactless")), "serve", "--host",
               "127.0.0.1", "--port", str(port), "--workers", "2", "--no-migrate"]
    with running(command, port, env or server_env(url, home)) as base:
        yield base


@dataclass(frozen=True)
class WrkResult:
    requests: int
    rps: float
    p99_ms: float
    errors: int  # socket errors and answers that are neither 2xx nor 3xx


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, *, headers: dict[str, str] | None = None,
        paths: list[str] | None = None, script: str | None = None,
        seconds: int = SECONDS, connections: int = CONNECTIONS) -> WrkResult:
    """One wrk run against ``url``; with ``paths``, each request takes the next path in turn
    (a Lua script), so the load is spread over several codes; ``script`` is a Lua script of
    the caller's own (e.g. one that makes each request's body)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make setup-dev does)")
    command = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{seconds}s",
               "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as folder:
        if paths:
            listed = ", ".join(f'"{path}"' for path in paths)
            script = (f"local paths = {{{listed}}}\nlocal n = 0\n"
                      "request = function()\n  n = n % #paths + 1\n"
                      "  return wrk.format(nil, paths[n])\nend\n")
        if script:
            path = Path(folder) / "script.lua"
            path.write_text(script, encoding="utf-8")
            command += ["-s", str(path)]
        command.append(url)
        output = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603
                                timeout=seconds + 60).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+(?:us|ms|s))", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                          output):
        errors += sum(int(value) for value in found.groups())
    return WrkResult(requests, rps, p99, errors)
