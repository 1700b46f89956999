"""The arena's tables, as SQLAlchemy Core declares them. The database gets them from the
Alembic migrations (migrations/versions/); a change here needs a new revision there, and
tests/arena/test_store.py checks the two agree."""

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# One row per pair shown to a reviewer; the token they get is this id, signed.
pairs = Table(
    "arena_pairs", metadata,
    Column("id", String(32), primary_key=True),
    Column("modality", String(16), nullable=False),
    Column("model_a", String(128), nullable=False),  # shown as A
    Column("model_b", String(128), nullable=False),  # shown as B
    Column("inputs", Text, nullable=False),  # JSON: the prompt / class / digits both were given
    Column("seed", Integer, nullable=False),  # the sampling seed both models used: revealed with the names
    Column("session", String(64), nullable=False),
    Column("client", String(64), nullable=False, server_default=""),  # the client's address (revision 0002)
    Column("created_at", Float, nullable=False),  # Unix time, seconds
    Index("ix_arena_pairs_session_time", "session", "created_at"),
    Index("ix_arena_pairs_client_time", "client", "created_at"),
    Index("ix_arena_pairs_modality", "modality"),
)

# At most one vote per pair: the unique pair_id is what makes a token single-use.
votes = Table(
    "arena_votes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair_id", String(32), ForeignKey("arena_pairs.id"), nullable=False, unique=True),
    Column("choice", String(16), nullable=False),  # a, b, tie, both_bad
    Column("note", Text, nullable=False, default=""),
    Column("session", String(64), nullable=False),
    Column("client", String(64), nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
    Index("ix_arena_votes_session_time", "session", "created_at"),
    Index("ix_arena_votes_client_time", "client", "created_at"),
)

# Key-value settings shared by every replica (the token-signing secret).
settings = Table(
    "arena_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
