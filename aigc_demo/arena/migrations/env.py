"""Alembic's environment for the arena database. The store (arena/store.py) runs the
migrations itself, handing over its open connection; from a shell, point Alembic here with
`alembic -x url=... upgrade head` is not needed: the app migrates on first use."""

from alembic import context

from aigc_demo.arena.schema import metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters tables by copying them; Alembic does that when asked
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
