"""Shared bench plumbing: a real uvicorn server in a subprocess, latency sampling, RSS."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Latency:
    name: str
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    times_ms: tuple[float, ...] = ()

    def line(self) -> str:
        return (
            f"{self.name:<48} n={self.count:<5} p50 {self.p50_ms:8.2f} ms  "
            f"p99 {self.p99_ms:8.2f} ms  max {self.max_ms:8.2f} ms  errors {self.errors}"
        )


def percentile(sorted_ms: list[float], fraction: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * fraction))]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def server(
    env: Mapping[str, str],
    port: int,
    workers: int = 1,
    *,
    command: list[str] | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """`fuel-analytics serve` (or ``command``) on 127.0.0.1:port until the block ends (SIGTERM,
    then wait); its stdout and stderr go to ``log`` when given."""
    full_env = {**os.environ, **env, "FUEL_HOST": "127.0.0.1", "FUEL_PORT": str(port),
                "FUEL_WORKERS": str(workers), "FUEL_LOG_LEVEL": "warning",
                # the server's own cost is measured, not the keys': the bench clients send none
                "FUEL_AUTH": "off"}  # fmt: skip
    argv = command or [sys.executable, "-m", "fuel_analytics.entrypoints.cli", "serve"]
    sink = log.open("ab") if log else None
    proc = subprocess.Popen(argv, env=full_env, cwd=ROOT, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError("the server exited during startup")
            time.sleep(0.3)
        else:
            raise RuntimeError("the server did not become healthy within 60 s")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if sink:
            sink.close()


async def sample(
    client: httpx.AsyncClient, name: str, urls: list[str], *, concurrency: int = 1
) -> Latency:
    """Request every URL (``concurrency`` at a time); latency percentiles of the answers."""
    times: list[float] = []
    errors = 0
    queue = list(urls)

    async def worker() -> None:
        nonlocal errors
        while queue:
            url = queue.pop()
            started = time.perf_counter()
            response = await client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    times.sort()
    return Latency(
        name,
        len(times),
        statistics.median(times),
        percentile(times, 0.99),
        times[-1],
        errors,
        tuple(times),
    )
