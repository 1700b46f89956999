"""Quick qualitative review, kept: a blind side-by-side arena whose votes live in a real
database, Bradley–Terry rankings beside the automatic metrics, and the first screen's
showcase. contest.py (the arena and showcase over the studio), store.py (the database),
ranking.py (the statistics), schema.py + migrations/ (the tables, by Alembic)."""

from .contest import MODALITIES, Arena
from .store import ArenaUnavailable, RateLimited, TokenRefused, VoteStore

__all__ = ["Arena", "ArenaUnavailable", "MODALITIES", "RateLimited", "TokenRefused", "VoteStore"]
