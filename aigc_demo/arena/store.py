"""The arena's votes, in a real database: the pairs the arena served and the votes cast on them.

SQLite by default (a file in `paths.data_dir()`, WAL mode, so readers never wait for a
writer), or any SQLAlchemy URL in $AIGC_DB_URL (PostgreSQL when several app replicas share
one database). The schema is Alembic's (migrations/), brought to the newest revision the
first time the store is used, not at start-up: the first page pays nothing for it.

Why a vote cannot be forged or cast twice:
- every served pair is a row, keyed by a random id, and the reviewer gets that id signed
  (itsdangerous, with a secret from $AIGC_ARENA_SECRET or kept in the database, so all
  replicas share it): a token the arena never issued fails its signature;
- `arena_votes.pair_id` is unique, so of two votes on one pair, however close together and
  on whichever replica, the database keeps exactly one and refuses the other.

A database that cannot be reached, or that refuses writes, raises `ArenaUnavailable` with a
message for the reviewer; the rest of the app never depends on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import unicodedata
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..controls import InputError
from ..paths import database_url

CHOICES = ("a", "b", "tie", "both_bad")
MAX_NOTE_CHARS = 500
TOKEN_MAX_AGE_S = 24 * 3600  # a pair left open longer than this must be drawn again
# Per minute: per session (Gradio's session hash, which a client chooses) generous for a person;
# per client address (which it does not choose) room for a few reviewers behind one address.
# The count and the insert are two statements, so a burst may overshoot by a request or two.
PAIRS_PER_MINUTE = 30
VOTES_PER_MINUTE = 30
CLIENT_FACTOR = 4  # a client address may make this many times a session's share
SECRET_ENV_VAR = "AIGC_ARENA_SECRET"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SALT = "aigc-arena-pair"


class ArenaUnavailable(RuntimeError):
    """The votes database cannot be reached or written; the message is for the reviewer."""


class TokenRefused(InputError):
    """A vote's token is forged, damaged, expired or already used."""


class RateLimited(InputError):
    """Too many requests from one session in the last minute."""


@dataclass(frozen=True)
class ServedPair:
    pair_id: str
    modality: str
    model_a: str
    model_b: str
    inputs: dict
    seed: int


class VoteStore:
    """Served pairs and their votes. Thread-safe; the engine is made on first use."""

    def __init__(self, url: str | None = None, *, secret: str | None = None,
                 pairs_per_minute: int = PAIRS_PER_MINUTE, votes_per_minute: int = VOTES_PER_MINUTE):
        self.url = url or database_url()
        self._secret = secret or os.environ.get(SECRET_ENV_VAR) or None
        self.pairs_per_minute, self.votes_per_minute = pairs_per_minute, votes_per_minute
        self._engine = None
        self._serializer = None
        self._lock = threading.Lock()

    # --- opening: engine, migrations, the signing secret ------------------------------------

    def _ready(self):
        """The engine, migrated to the newest schema. A failure is not remembered: the next
        request tries again, so a database that comes back brings the arena back."""
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                with _unavailable_as_message(self.url):
                    engine = _create_engine(self.url)
                    try:
                        _migrate(engine)
                        secret = self._secret or _stored_secret(engine)
                    except BaseException:
                        engine.dispose()
                        raise
                from itsdangerous import URLSafeTimedSerializer

                self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
                self._engine = engine
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def check(self) -> None:
        """Raises ArenaUnavailable when the database cannot be opened."""
        self._ready()

    # --- serving a pair ---------------------------------------------------------------------

    def serve_pair(self, modality: str, model_a: str, model_b: str, inputs: dict, seed: int, session: str,
                   client: str = "") -> str:
        """Record a pair about to be shown (seed: its sampling seed, kept until the vote);
        returns its signed, single-use token."""
        from .schema import pairs

        engine = self._ready()
        with _unavailable_as_message(self.url):
            _check_rate(engine, pairs, session, client, self.pairs_per_minute, "pairs", "ask again")
            pair_id = secrets.token_hex(16)
            with engine.begin() as conn:
                conn.execute(pairs.insert().values(
                    id=pair_id, modality=modality, model_a=model_a, model_b=model_b,
                    inputs=json.dumps(inputs, ensure_ascii=False, sort_keys=True), seed=int(seed),
                    session=session[:64], client=client[:64], created_at=time.time()))
        return self._serializer.dumps(pair_id)

    # --- voting -----------------------------------------------------------------------------

    def pair_of(self, token) -> ServedPair:
        """The pair a token was issued for; TokenRefused if the arena never issued it."""
        from itsdangerous import BadSignature, SignatureExpired
        from sqlalchemy import select

        from .schema import pairs

        engine = self._ready()
        if not isinstance(token, str) or not token.strip():
            raise TokenRefused("token is missing: ask for a pair first (/arena_pair), then vote with its token.")
        try:
            pair_id = self._serializer.loads(token.strip(), max_age=TOKEN_MAX_AGE_S)
        except SignatureExpired:
            raise TokenRefused("This pair's token has expired (pairs stay open for a day); ask for a new pair.") from None
        except BadSignature:
            raise TokenRefused("This token was not issued by the arena (forged or damaged); "
                               "ask for a pair and vote with its token.") from None
        with _unavailable_as_message(self.url), engine.connect() as conn:
            row = conn.execute(select(pairs).where(pairs.c.id == pair_id)).first()
        if row is None:  # signed by us, but not in this database (another deployment's secret)
            raise TokenRefused("This token names a pair this arena never served; ask for a new pair.")
        return ServedPair(row.id, row.modality, row.model_a, row.model_b, json.loads(row.inputs), row.seed)

    def cast_vote(self, token, choice, note="", session: str = "python", client: str = "") -> ServedPair:
        """Store one vote on the pair a token names; returns the pair (names revealed)."""
        from sqlalchemy.exc import IntegrityError

        from .schema import votes

        choice = check_choice(choice)
        note = check_note(note)
        pair = self.pair_of(token)
        engine = self._ready()
        with _unavailable_as_message(self.url):
            _check_rate(engine, votes, session, client, self.votes_per_minute, "votes", "vote again")
            try:
                with engine.begin() as conn:
                    conn.execute(votes.insert().values(pair_id=pair.pair_id, choice=choice, note=note,
                                                       session=session[:64], client=client[:64], created_at=time.time()))
            except IntegrityError:
                raise TokenRefused("This pair has been voted on already: each pair takes one vote. "
                                   "Ask for a new pair.") from None
        return pair

    # --- reading ----------------------------------------------------------------------------

    def battles(self, modality: str) -> list[tuple[str, str, str]]:
        """Every vote of a modality as (model_a, model_b, choice), oldest first."""
        from sqlalchemy import select

        from .schema import pairs, votes

        engine = self._ready()
        query = (select(pairs.c.model_a, pairs.c.model_b, votes.c.choice)
                 .join(votes, votes.c.pair_id == pairs.c.id)
                 .where(pairs.c.modality == modality).order_by(votes.c.id))
        with _unavailable_as_message(self.url), engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def all_votes(self) -> list[dict]:
        """Every vote with its pair, for the CSV export (time as UTC ISO 8601; the session as a
        salted hash: it groups one reviewer's votes without handing out their session key)."""
        from datetime import datetime, timezone

        from sqlalchemy import select

        from .schema import pairs, votes

        engine = self._ready()
        query = (select(votes.c.id, votes.c.created_at, pairs.c.modality, pairs.c.model_a, pairs.c.model_b,
                        votes.c.choice, votes.c.note, pairs.c.inputs, pairs.c.seed, votes.c.session)
                 .join(pairs, votes.c.pair_id == pairs.c.id).order_by(votes.c.id))
        with _unavailable_as_message(self.url), engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        salt = self._serializer.secret_key
        for r in rows:
            r["session"] = hashlib.sha256(salt + r["session"].encode()).hexdigest()[:12]
            r["vote_id"] = r.pop("id")
            r["time_utc"] = datetime.fromtimestamp(r.pop("created_at"), timezone.utc).isoformat(timespec="seconds")
        return rows


def _check_rate(engine, table, session: str, client: str, limit: int, what: str, then: str) -> None:
    """RateLimited when `session` made `limit` rows of `table` in the last minute, or its
    client address CLIENT_FACTOR times that. Counted in the database, so the limits hold
    across replicas."""
    from sqlalchemy import func, select

    since = time.time() - 60
    with engine.connect() as conn:
        by_session = conn.execute(select(func.count()).select_from(table).where(
            table.c.session == session[:64], table.c.created_at > since)).scalar_one()
        by_client = conn.execute(select(func.count()).select_from(table).where(
            table.c.client == client[:64], table.c.created_at > since)).scalar_one() if client else 0
    if by_session >= limit:
        raise RateLimited(f"Too many {what}: at most {limit} a minute per session. Wait a minute, then {then}.")
    if by_client >= CLIENT_FACTOR * limit:
        raise RateLimited(f"Too many {what} from your address: at most {CLIENT_FACTOR * limit} a minute. "
                          f"Wait a minute, then {then}.")


# --- checks -----------------------------------------------------------------------------------

def check_choice(choice) -> str:
    if not isinstance(choice, str) or choice.strip().lower() not in CHOICES:
        raise InputError(f"choice must be one of {', '.join(CHOICES)} (a: A is better, b: B is better); "
                         f"got {choice!r:.40}.")
    return choice.strip().lower()


def check_note(note) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise InputError("note must be text (or left empty).")
    # one line of printable text: control and format characters (NUL, escapes) go, runs of
    # white space become one space
    note = " ".join("".join(c for c in note if not unicodedata.category(c).startswith("C") or c.isspace()).split())
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"note is {len(note)} characters long; at most {MAX_NOTE_CHARS}.")
    return note


# --- the database -----------------------------------------------------------------------------

class _unavailable_as_message:
    """A context in which any database or driver failure becomes ArenaUnavailable."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        return self

    def __exit__(self, kind, e, tb):
        if e is None or isinstance(e, (InputError, ArenaUnavailable)):
            return False
        from alembic.util.exc import CommandError
        from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        if isinstance(e, (DBAPIError, OperationalError, ArgumentError, NoSuchModuleError, PoolTimeout, CommandError,
                          OSError)):
            reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
            if "readonly" in reason or "read-only" in reason or "read only" in reason:
                reason = f"it is read-only: {reason}"
            raise ArenaUnavailable(f"The arena's vote database is unavailable ({reason}). Voting is paused; "
                                   "everything else in the studio works. Database: "
                                   f"{_redacted(self.url)}.") from None
        return False


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparseable URL is shown as its scheme only
        return url.split(":", 1)[0] + ":…"


def _create_engine(url: str):
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("mode"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})  # wait up to 30 s for a writer

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            if "mode=ro" not in url:
                cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    connect_args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _migrate(engine) -> None:
    """Bring the schema to Alembic's newest revision (a no-op when it is there)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _stored_secret(engine) -> str:
    """The signing secret kept in the database, made once by whichever replica comes first."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from .schema import settings

    query = select(settings.c.value).where(settings.c.key == "token_secret")
    with engine.connect() as conn:
        value = conn.execute(query).scalar()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(settings.insert().values(key="token_secret", value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another replica made it first; read theirs
        with engine.connect() as conn:
            value = conn.execute(query).scalar_one()
    return value
