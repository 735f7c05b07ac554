"""Alembic environment: the URL comes from the caller's config (see pipeline.store.engine.migrate)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from pipeline.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run(connection)
