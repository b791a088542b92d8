"""Engines, sessions and migrations.

SQLite is the embedded default (WAL, synchronous=FULL so an acknowledged ballot is on disk);
PostgreSQL is the scale path. Services never commit: a unit of work commits once, then the
domain events it appended are published on the bus.
"""

import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from core.bus import Bus, NullBus
from core.settings import PROJECT_ROOT


def normalise_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# A connection for every request thread (anyio's 40), so a burst never queues on the pool: a thread
# waiting there can be overtaken by one that arrives later (the pool's queue is not first come,
# first served), which is how some voters waited four times as long as the rest. SQLite
# connections are cheap: a file handle and a page cache each.
SQLITE_POOL_SIZE = 40
SQLITE_POOL_OVERFLOW = 10

# On PostgreSQL a connection is a server process: one opened past the pool's size is closed again
# when returned, and under a burst that meant a fork per request. Kept open for most of the request
# threads; two workers stay well inside PostgreSQL's default 100 connections.
POSTGRES_POOL_SIZE = 32
POSTGRES_POOL_OVERFLOW = 8

# About 80 MB of WAL at 4 KiB pages.
WAL_BACKSTOP_PAGES = 20_000


def create_engine_for(url: str) -> Engine:
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_OVERFLOW)

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        make_owner_only(Path(path))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_OVERFLOW)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, so writers can ask for
        # BEGIN IMMEDIATE and take the write lock before they read what they will change.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # SQLite copies the WAL back into the database every 1,000 pages, inside whichever commit
        # crosses the mark: that commit (a group of ballots, holding the write queue) then waits for
        # the copy and its fsync. The server checkpoints in the background instead (see
        # Database.checkpoint_wal); this far higher mark is only a backstop for other processes.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class FairLock:
    """A lock that hands over to waiters in the order they came.

    SQLite lets one writer in at a time and makes the others retry with growing sleeps, so under a
    burst a ballot can wait seconds while later ones slip in. Queuing writers here, first come first
    served, before they ask SQLite for its lock keeps every wait as short as the queue ahead of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder ahead of us, which passes the lock straight on

    def __exit__(self, *exc) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False
def make_owner_only(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by its owner only, before SQLite does:
    SQLite would create it with the process umask, usually world-readable, and the register and
    the ballot box are in it. SQLite gives -wal and -shm the database file's mode; ones left by
    an older version are narrowed here too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    for suffix in ("-wal", "-shm"):
        sidecar = Path(f"{path}{suffix}")
        if sidecar.exists():
            sidecar.chmod(0o600)


class Database:
    """One database: its engine, its session factories and the bus its events go to."""

    def __init__(self, url: str, bus: Bus | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine_for(self.url)
        self.bus: Bus = bus or NullBus()
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._reader = sessionmaker(self.engine, class_=Session, expire_on_commit=False)
        self._writer = sessionmaker(write_engine, class_=Session, expire_on_commit=False)
        # PostgreSQL queues writers on row locks itself; SQLite needs the queue in this process.
        self._write_queue = FairLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def checkpoint_wal(self) -> None:
        """Copy committed WAL pages into the database without blocking writers or readers (PASSIVE):
        what a commit would otherwise do itself, on the voters' time."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: commit at the end, roll back on error, then publish its events.

        `write=True` takes SQLite's write lock at BEGIN, so two writers never both read a
        pass as unused; PostgreSQL gets the same from row locks and unique constraints.
        """
        queue = self._write_queue if write and self._write_queue is not None else nullcontext()
        with queue:
            session = (self._writer if write else self._reader)()
            try:
                yield session
                before_commit = getattr(self.bus, "before_commit", None)
                if before_commit is not None and session.info.get("events"):
                    before_commit(session, session.info["events"])
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
        for domain_event in session.info.pop("events", []):
            self.bus.publish(domain_event)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["database_url"] = normalise_url(url)
    return config


def migrate(url: str) -> None:
    """Bring the schema to the newest migration (the only way the schema is made)."""
    command.upgrade(alembic_config(url), "head")


WAL_CHECKPOINT_SECONDS = 1.0


async def keep_checkpointing_wal(db: Database, every: float = WAL_CHECKPOINT_SECONDS) -> None:
    """The server's background checkpointer (SQLite): a PASSIVE checkpoint every second, in a
    thread of its own, so no voter's commit pays for one."""
    import asyncio
    import logging

    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(db.checkpoint_wal)
        except Exception:  # noqa: BLE001 - a busy or failed checkpoint is retried next time
            logging.getLogger(__name__).warning("WAL checkpoint failed", exc_info=True)
