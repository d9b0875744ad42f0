"""Alembic environment: migrates the engine handed over by learning.migrate (or DATABASE_URL)."""

from __future__ import annotations

import os

from alembic import context

from learning.database import Database
from learning.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: take the URL from the environment
    engine = Database(os.environ["DATABASE_URL"]).engine

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
