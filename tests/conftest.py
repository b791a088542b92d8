"""Test fixtures. Every database-touching test runs on SQLite and on PostgreSQL, each schema made
by the Alembic migrations (never create_all).

PostgreSQL: TEST_POSTGRES_URL (default: the local server's `test` database, from which a
scratch database is made). Without it those tests skip, unless REQUIRE_POSTGRES=1 makes its
absence a failure.
"""

import base64
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

# Settings are read once per process; fix them before the application is imported.
# A fresh random key per run: the application refuses any key that was ever published.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
# TestClient calls itself "testserver"; live test servers listen on 127.0.0.1.
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("AUDIT_SIGNING_KEY", base64.b64encode(b"\x07" * 32).decode())

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

import core.security  # noqa: E402
from core.bus import InProcessBus  # noqa: E402
from core.database import Database, migrate  # noqa: E402
from core.settings import Settings  # noqa: E402

# Production-strength argon2 costs a tenth of a second per staff account; tests make hundreds.
core.security._hasher = core.security.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

ADMIN_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# One scratch database per test run, so two runs on one machine never share tables.
TEST_DATABASE = f"common_purse_test_{os.getpid()}"
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def _postgres_url() -> str | None:
    """A freshly migrated scratch database on the local PostgreSQL, or None if there is none."""
    try:
        admin = sa.create_engine(ADMIN_POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DATABASE} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {TEST_DATABASE}"))
        admin.dispose()
    except sa.exc.OperationalError as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: {error}")
        return None
    url = ADMIN_POSTGRES_URL.rsplit("/", 1)[0] + f"/{TEST_DATABASE}"
    migrate(url)
    return url


def _drop_postgres_database() -> None:
    admin = sa.create_engine(ADMIN_POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DATABASE} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    url = _postgres_url()
    yield url
    if url is not None:
        _drop_postgres_database()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        # A test that played a database holder switched the append-only guards off; the next gets them back.
        conn.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        conn.execute(sa.text("ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_append_only"))
        conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("PostgreSQL is not available (set REQUIRE_POSTGRES=1 to make this a failure)")
    _reset_postgres(url)
    yield url


@pytest.fixture
def db(database_url) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def app(database_url):
    from main import create_app

    application = create_app(Settings(database_url=database_url), run_migrations=False)
    yield application
    application.state.db.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# --- a real server, for parallel requests and the browser ------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    ws="websockets-sansio"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()
