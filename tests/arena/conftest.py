"""A real PostgreSQL server for the arena's store tests, started by the tests themselves:
Debian's `postgresql` binaries, `initdb` and `pg_ctl` into a temporary folder, run as a
non-root user (PostgreSQL refuses to run as root), on a free loopback port."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_user():
    """Run the server as ourselves, or as `nobody` when we are root."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid}


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a running PostgreSQL server (superuser `postgres`, trust auth on loopback)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed here (Debian: apt-get install postgresql; `make test` installs it "
                    "as root), so the store's tests ran against SQLite only")
    user = _as_user()
    root = Path(tempfile.mkdtemp(prefix="aigc-pg-"))  # under /tmp: reachable by `nobody`
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if user:
        for p in (root, sockets):
            os.chown(p, user["user"], user["group"])
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(root)}
    subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root, **user)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
    subprocess.run([pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "-t", "60", "start"],
                   check=True, env=env, stdout=subprocess.DEVNULL, cwd=root, **user)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=root, **user)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty votes database: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'votes.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    import psycopg

    name = f"arena_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
