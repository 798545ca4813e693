"""Schema migrations with alembic, run on the application's own async engine."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from fuel_analytics.domain.errors import SchemaOutOfDate

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(conn: Connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, target)


async def upgrade(engine: AsyncEngine, target: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    async with engine.begin() as conn:
        before = await conn.run_sync(current_revision)
        await conn.run_sync(_upgrade, target)
        after = await conn.run_sync(current_revision)
    return before, after


async def ensure_current(engine: AsyncEngine) -> str:
    """Refuse to run on a schema older (or newer) than the code."""
    async with engine.connect() as conn:
        revision = await conn.run_sync(current_revision)
    head = head_revision()
    if revision != head:
        found = revision or "no schema"
        raise SchemaOutOfDate(
            f"database schema is at {found}, this code needs {head}: "
            "run `fuel-analytics migrate` (or `make migrate`) against this database first"
        )
    return revision or ""
