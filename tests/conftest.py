"""Shared test fixtures and the rule that the MySQL half must run in CI."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from fuel_analytics.domain.model import Reading, TruckId

MYSQL_URL_ENV = "FUEL_TEST_MYSQL_URL"
SKIP_MYSQL_ENV = "FUEL_TEST_SKIP_MYSQL"
NOW = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)

_mysql_passed = 0


def mysql_url() -> str | None:
    return os.environ.get(MYSQL_URL_ENV) or None


def mysql_wanted() -> bool:
    """MySQL tests run unless explicitly skipped outside CI."""
    if os.environ.get("CI"):
        return True
    return not os.environ.get(SKIP_MYSQL_ENV)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _mysql_passed
    if report.when == "call" and report.passed and "mysql" in report.nodeid:
        _mysql_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a run in which no MySQL test passed is a failed run, whatever else passed."""
    if os.environ.get("CI") and session.testscollected and _mysql_passed == 0:
        print(f"\nCI: no MySQL test passed: set {MYSQL_URL_ENV} to a reachable MariaDB/MySQL")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def reading(truck: str = "T1", minute: int = 0, **values: object) -> Reading:
    return Reading(truck_id=TruckId(truck), ts=NOW + timedelta(minutes=minute), **values)  # type: ignore[arg-type]


@pytest.fixture
def now() -> datetime:
    return NOW
