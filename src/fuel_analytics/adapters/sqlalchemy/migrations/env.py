"""Alembic environment: always run with a connection handed in by schema.upgrade()."""

from __future__ import annotations

from alembic import context

from fuel_analytics.adapters.sqlalchemy.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `fuel-analytics migrate`, not bare alembic")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
