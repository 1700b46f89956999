"""Pairs and votes keep the client's address, for a rate limit a client cannot dodge by
choosing a new session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("arena_pairs", "arena_votes"):
        with op.batch_alter_table(table) as batch:  # SQLite alters by copying the table
            batch.add_column(sa.Column("client", sa.String(64), nullable=False, server_default=""))
        op.create_index(f"ix_{table}_client_time", table, ["client", "created_at"])


def downgrade() -> None:
    for table in ("arena_pairs", "arena_votes"):
        op.drop_index(f"ix_{table}_client_time", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("client")
