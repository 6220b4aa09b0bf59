"""Alembic's environment for the cloud's store: migrations run on the connection the store
hands over (``config.attributes["connection"]``), never from a URL of their own."""

from __future__ import annotations

from alembic import context

from cmagent.cloud import models

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=models.Base.metadata,
                  render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
