"""Integration fixtures: one session engine per database (SQLite file and MySQL), built by
the production factory and migrated by the production migrations; per-test cleanup by
DELETE (savepoint rollback is not portable to aiosqlite on Python 3.11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.adapters.sqlalchemy.engine import PoolConfig, create_engine
from fuel_analytics.adapters.sqlalchemy.schema import upgrade
from fuel_analytics.adapters.sqlalchemy.tables import metadata
from fuel_analytics.domain.ports import Clock
from fuel_analytics.entrypoints.container import build_container
from fuel_analytics.entrypoints.http.app import create_app
from fuel_analytics.entrypoints.settings import Settings
from tests.conftest import MYSQL_URL_ENV, mysql_url, mysql_wanted

BACKENDS = ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)]
TEST_POOL = PoolConfig(size=2, max=6, timeout_s=5.0, recycle_s=1800, connect_timeout_s=5.0)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "fuel-test.db"
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    url = mysql_url()
    if url is None:
        if mysql_wanted():
            pytest.fail(
                f"{MYSQL_URL_ENV} is not set: the MySQL half of the tests must run "
                "(`make test` sets it up; FUEL_TEST_SKIP_MYSQL=1 skips it outside CI)"
            )
        pytest.skip(f"MySQL tests skipped on request ({MYSQL_URL_ENV} unset)")
    return url


async def _reset_schema(engine: AsyncEngine) -> None:
    """Start each session from an empty database, then migrate it like production does."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await upgrade(engine)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, TEST_POOL)
    try:
        await _reset_schema(engine)
    except Exception as error:  # a clear failure, never a skip, when the DB is unreachable
        await engine.dispose()
        pytest.fail(f"cannot prepare the test database {database_url.split('@')[-1]}: {error}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The session engine, with every table emptied after the test."""
    yield engine
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


def test_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test app: no .env file, the test database, small pool, and
    authentication OFF (``auth="off"``, explicitly: the service's default is on). Tests of
    the API's behaviour run without keys; the tests of keys, scopes and tenancy
    (test_auth*.py) pass ``auth="on"``."""
    values: dict[str, object] = {
        "auth": "off",
        "database_url": database_url,
        "pool_min": TEST_POOL.size,
        "pool_max": TEST_POOL.max,
        "pool_timeout_s": TEST_POOL.timeout_s,
        # no background recompute unless a test asks: reads recompute what they need anyway
        "recompute_interval_s": 0,
        # read-your-writes: the tests write and read back at once. The bound itself (0.5 s
        # by default) is proven by test_freshness.py, which runs with the default.
        "cache_max_age_s": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def serving(
    engine: AsyncEngine,
    settings: Settings,
    *,
    clock: Clock | None = None,
    hot_paths: frozenset[str] | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, lifespan included, over the session engine (the container's engine
    resource is overridden so the session pool is neither created nor disposed here);
    ``hot_paths`` replaces the app's (entrypoints/http/hot_routes.py)."""
    container = build_container(settings)
    container.engine.override(providers.Object(engine))
    if clock is not None:
        container.clock.override(providers.Object(clock))
    app = create_app(container)
    if hot_paths is not None:
        app.hot_paths = hot_paths
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
        ) as client,
    ):
        yield client


@pytest.fixture
async def client(db: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real app over the test database (emptied after the test)."""
    async with serving(db, test_settings(database_url)) as http:
        yield http
