"""The arena's first schema: served pairs, their votes (one per pair), shared settings.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arena_pairs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("model_a", sa.String(128), nullable=False),
        sa.Column("model_b", sa.String(128), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_arena_pairs_session_time", "arena_pairs", ["session", "created_at"])
    op.create_index("ix_arena_pairs_modality", "arena_pairs", ["modality"])
    op.create_table(
        "arena_votes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pair_id", sa.String(32), sa.ForeignKey("arena_pairs.id"), nullable=False, unique=True),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_arena_votes_session_time", "arena_votes", ["session", "created_at"])
    op.create_table(
        "arena_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("arena_settings")
    op.drop_index("ix_arena_votes_session_time", "arena_votes")
    op.drop_table("arena_votes")
    op.drop_index("ix_arena_pairs_modality", "arena_pairs")
    op.drop_index("ix_arena_pairs_session_time", "arena_pairs")
    op.drop_table("arena_pairs")
