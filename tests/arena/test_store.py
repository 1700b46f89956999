"""The votes database, against SQLite and a real PostgreSQL server alike (db_url)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from aigc_demo.arena.store import ArenaUnavailable, RateLimited, TokenRefused, VoteStore
from aigc_demo.controls import InputError


def _serve(store, session="s", a="dcgan", b="vae", seed=1, client=""):
    return store.serve_pair("image", a, b, {"label": "Bag"}, seed, session, client)


def test_a_vote_is_stored_and_reveals_its_pair(db_url):
    store = VoteStore(db_url)
    token = _serve(store, a="dcgan", b="vae")
    pair = store.cast_vote(token, "b", "  the right one\nis crisper ", session="s")
    assert (pair.modality, pair.model_a, pair.model_b, pair.inputs, pair.seed) == ("image", "dcgan", "vae",
                                                                                    {"label": "Bag"}, 1)
    assert store.battles("image") == [("dcgan", "vae", "b")]
    assert store.battles("text") == []
    (row,) = store.all_votes()
    assert row["note"] == "the right one is crisper" and row["choice"] == "b" and row["time_utc"].endswith("+00:00")
    assert row["session"] != "s" and len(row["session"]) == 12  # a salted hash: grouping, not the session key


def test_votes_survive_a_restart(db_url):
    """A new store on the same database (an app restart, or another replica) sees every vote,
    accepts the tokens the first one issued and refuses those already used."""
    first = VoteStore(db_url)
    used, open_ = _serve(first), _serve(first, seed=2)
    first.cast_vote(used, "a")
    first.close()
    second = VoteStore(db_url)
    assert second.battles("image") == [("dcgan", "vae", "a")]
    with pytest.raises(TokenRefused, match="voted on already"):
        second.cast_vote(used, "b")
    second.cast_vote(open_, "tie")
    assert second.battles("image") == [("dcgan", "vae", "a"), ("dcgan", "vae", "tie")]


def test_a_forged_damaged_or_foreign_token_is_refused(db_url, tmp_path):
    store = VoteStore(db_url)
    token = _serve(store)
    for forged in ("", "   ", "not-a-token", token[:-3] + "abc", token + "x", None, 42):
        with pytest.raises(TokenRefused):
            store.cast_vote(forged, "a")
    # signed with another arena's secret: its signature fails here
    other = VoteStore(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with pytest.raises(TokenRefused, match="not issued by the arena"):
        store.cast_vote(_serve(other), "a")
    # our secret, but a pair id this database never served (a copy of the secret elsewhere)
    twin = VoteStore(f"sqlite:///{tmp_path / 'twin.sqlite3'}", secret=store._serializer.secret_key.decode())
    with pytest.raises(TokenRefused, match="never served"):
        store.cast_vote(_serve(twin), "a")
    assert store.battles("image") == []
    store.cast_vote(token, "a")  # the real one still works


def test_bad_choices_and_notes_are_refused_before_anything_is_written(db_url):
    store = VoteStore(db_url)
    token = _serve(store)
    for choice in ("c", "", None, 1, "A or B"):
        with pytest.raises(InputError, match="choice must be one of a, b, tie, both_bad"):
            store.cast_vote(token, choice)
    with pytest.raises(InputError, match="at most 500"):
        store.cast_vote(token, "a", "x" * 501)
    with pytest.raises(InputError, match="note must be text"):
        store.cast_vote(token, "a", ["x"])
    from aigc_demo.arena.store import check_note

    assert check_note("a\x00b\x1b[31m c\u200b\n d") == "ab[31m c d"  # NUL, escapes and format characters go
    assert store.battles("image") == []
    store.cast_vote(token, " Both_Bad ")
    assert store.battles("image") == [("dcgan", "vae", "both_bad")]


def test_sixteen_reviewers_at_once_lose_no_vote_and_double_count_none(db_url):
    """16 threads, each a reviewer with its own session, draw and vote on 5 pairs at once;
    then 16 threads race to cast the same token: exactly one wins."""
    store = VoteStore(db_url)
    store.check()  # migrate once, as the app's first request would
    start = threading.Barrier(16)

    def reviewer(i):
        start.wait()
        for k in range(5):
            token = _serve(store, session=f"reviewer-{i}", a=f"m{i}", b=f"n{k}")
            store.cast_vote(token, "a", session=f"reviewer-{i}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(reviewer, range(16)))
    battles = store.battles("image")
    assert len(battles) == 80
    assert sorted(battles) == sorted((f"m{i}", f"n{k}", "a") for i in range(16) for k in range(5))

    token = _serve(store, session="racer")
    race = threading.Barrier(16)

    def cast(_):
        race.wait()
        try:
            store.cast_vote(token, "b", session="racer")
            return "stored"
        except TokenRefused as e:
            return str(e)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(cast, range(16)))
    assert results.count("stored") == 1
    assert all("voted on already" in r for r in results if r != "stored")
    assert len(store.battles("image")) == 81


def test_rate_limits_per_session(db_url):
    store = VoteStore(db_url, pairs_per_minute=3, votes_per_minute=2)
    tokens = [_serve(store, session="busy") for _ in range(3)]
    with pytest.raises(RateLimited, match="at most 3 a minute per session"):
        _serve(store, session="busy")
    _serve(store, session="someone else")  # other sessions are not held back
    # a client cannot dodge the limit with a new session per request: its address counts too
    by_address = VoteStore(db_url, pairs_per_minute=2)
    for i in range(8):
        _serve(by_address, session=f"fresh-{i}", client="10.0.0.7")
    with pytest.raises(RateLimited, match="from your address: at most 8"):
        _serve(by_address, session="fresh-9", client="10.0.0.7")
    _serve(by_address, session="fresh-10", client="10.0.0.8")
    store.cast_vote(tokens[0], "a", session="busy")
    store.cast_vote(tokens[1], "a", session="busy")
    with pytest.raises(RateLimited, match="at most 2 a minute"):
        store.cast_vote(tokens[2], "a", session="busy")
    assert len(store.battles("image")) == 2


def test_an_unreachable_database_says_so_and_comes_back(tmp_path):
    down = VoteStore("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(ArenaUnavailable, match="unavailable .*Voting is paused; everything else in the studio works"):
        _serve(down)
    with pytest.raises(ArenaUnavailable):
        down.battles("image")
    with pytest.raises(ArenaUnavailable):
        VoteStore("nosuchdriver://x/y").check()
    # a SQLite file in a folder that cannot exist yet; once it can, the same store works
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the data folder should be")
    store = VoteStore(f"sqlite:///{blocker / 'votes.sqlite3'}")
    with pytest.raises(ArenaUnavailable):
        _serve(store)
    blocker.unlink()
    store.cast_vote(_serve(store), "a")
    assert store.battles("image") == [("dcgan", "vae", "a")]


def test_a_read_only_database_still_ranks_but_refuses_votes_clearly(tmp_path):
    path = tmp_path / "votes.sqlite3"
    writable = VoteStore(f"sqlite:///{path}")
    writable.cast_vote(_serve(writable), "a")
    token = _serve(writable)
    writable.close()
    read_only = VoteStore(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert read_only.battles("image") == [("dcgan", "vae", "a")]
    with pytest.raises(ArenaUnavailable, match="read-only"):
        read_only.cast_vote(token, "b")
    with pytest.raises(ArenaUnavailable, match="read-only"):
        _serve(read_only)
    assert read_only.battles("image") == [("dcgan", "vae", "a")]  # nothing corrupted


def test_the_schema_the_migrations_build_is_the_declared_one(db_url):
    """schema.py (what the code queries) and migrations/ (what the database gets) agree:
    Alembic's autogenerate finds nothing to change after upgrading to head."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from aigc_demo.arena.schema import metadata

    store = VoteStore(db_url)
    store.check()
    with store._ready().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_a_database_of_the_first_schema_is_upgraded_and_keeps_its_votes(db_url):
    """A database made by revision 0001 (before the client column) opens with today's store:
    Alembic upgrades it in place and its pairs and votes are all still there."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from aigc_demo.arena.store import MIGRATIONS, _create_engine

    engine = _create_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO arena_pairs (id, modality, model_a, model_b, inputs, seed, session, created_at) "
                          "VALUES ('p1', 'image', 'dcgan', 'vae', '{}', 1, 'old', 0)"))
        conn.execute(text("INSERT INTO arena_votes (pair_id, choice, note, session, created_at) "
                          "VALUES ('p1', 'b', '', 'old', 0)"))
    engine.dispose()
    store = VoteStore(db_url)
    assert store.battles("image") == [("dcgan", "vae", "b")]
    store.cast_vote(_serve(store, client="10.0.0.1"), "a")
    assert len(store.battles("image")) == 2
