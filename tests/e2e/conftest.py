"""End-to-end fixtures: the real service (CLI subprocesses) on a demo fleet in SQLite, and a
headless Chromium driven by Selenium through Debian's chromedriver.

Chromium that cannot start is a failure, never a skip (`make test` installs it first with
scripts/ensure-test-tools.sh)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DEMO_TRUCKS = 5
DEMO_DAYS = 3
STARTUP_TIMEOUT_S = 30.0
SAVED: list[Path] = []


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    log: Path
    key: str  # the read key `load-demo` printed (authentication is on, as by default)


def printed_key(output: str, base_url: str) -> str:
    """The demo's key from what `load-demo` printed: the key line, the curl line and the
    dashboard URL must all carry it."""
    match = re.search(r"^demo API key [^:]*: (fak_\S+)$", output, re.MULTILINE)
    assert match, output
    key = match.group(1)
    assert f"curl -H 'Authorization: Bearer {key}' {base_url}/api/v2/" in output, output
    assert f"dashboard: {base_url}/#key={key}" in output, output
    return key


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _service_env(database_url: str, port: int) -> dict[str, str]:
    """This machine's environment without any service setting (a DB_HOST would pick MySQL)."""
    own = ("FUEL_", "DB_", "ASYNC_", "POOL_", "PROMETHEUS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update(
        FUEL_DATABASE_URL=database_url,
        FUEL_HOST="127.0.0.1",
        FUEL_PORT=str(port),
        FUEL_LOG_LEVEL="warning",
        FUEL_DEMO_TRUCKS=str(DEMO_TRUCKS),
        FUEL_DEMO_DAYS=str(DEMO_DAYS),
        FUEL_DEMO_SEED="42",
    )
    return env


@pytest.fixture(scope="package")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`fuel-analytics load-demo`, then `fuel-analytics serve`, as an operator runs them, in a
    scratch directory (no .env is read) on a free loopback port."""
    workdir = tmp_path_factory.mktemp("dashboard")
    port = _free_port()
    env = _service_env(f"sqlite+aiosqlite:///{workdir / 'demo.db'}", port)
    cli = [sys.executable, "-m", "fuel_analytics.entrypoints.cli"]
    loaded = subprocess.run(
        [*cli, "load-demo"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )
    if loaded.returncode != 0:
        pytest.fail(f"load-demo failed ({loaded.returncode}):\n{loaded.stdout}\n{loaded.stderr}")
    log = workdir / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*cli, "serve"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"the service exited ({server.returncode}):\n{log.read_text()}")
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the service did not answer within {STARTUP_TIMEOUT_S} s")
            time.sleep(0.2)
        yield DemoServer(base_url=base_url, log=log, key=printed_key(loaded.stdout, base_url))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _executable(env_name: str, *names: str) -> str | None:
    return os.environ.get(env_name) or next(filter(None, map(shutil.which, names)), None)


@pytest.fixture(scope="package")
def browser() -> Iterator[webdriver.Chrome]:
    chromium = _executable("FUEL_E2E_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _executable("FUEL_E2E_CHROMEDRIVER", "chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail(
            "chromium and chromedriver are needed for the dashboard tests: run "
            "scripts/ensure-test-tools.sh (`make test` does), or point FUEL_E2E_CHROMIUM and "
            "FUEL_E2E_CHROMEDRIVER at them"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in CI
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as error:
        pytest.fail(f"headless chromium ({chromium}, {driver_path}) did not start: {error.msg}")
    driver.set_page_load_timeout(20)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def save_screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """The whole page (not just the window) as test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    metrics = {"width": 1400, "height": min(max(height, 900), 10_000)}
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        assert driver.save_screenshot(str(path)), path
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    SAVED.append(path)
    print(f"screenshot: {path}")
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SAVED:
        terminalreporter.write_sep("-", "dashboard screenshots")
        for path in SAVED:
            terminalreporter.write_line(str(path))
