"""The bus for several workers on PostgreSQL: NOTIFY inside the command's own transaction, LISTEN
in every worker.

PostgreSQL delivers a notification only when its transaction commits and drops it on rollback, so
"after commit, never for a rollback" holds across processes without an outbox. Each worker (the one
that ran the command included) receives the event from PostgreSQL and hands it to its own
subscribers. A notification carries the event's seq, action and subject, not its payload (PostgreSQL
caps a notification at 8,000 bytes); a subscriber that needs more reads the audit log by seq.
"""

import asyncio
import json
import logging

import psycopg
from sqlalchemy import text
from sqlmodel import Session

from core.bus import DomainEvent, InProcessBus, Subscriber

log = logging.getLogger(__name__)

CHANNEL = "common_purse_events"


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class PostgresBus:
    def __init__(self, database_url: str) -> None:
        self.url = libpq_url(database_url)
        self._local = InProcessBus()
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()

    def subscribe(self, subscriber: Subscriber) -> None:
        self._local.subscribe(subscriber)

    def before_commit(self, session: Session, events: list[DomainEvent]) -> None:
        for event in events:
            message = json.dumps({"seq": event.seq, "action": event.action, "subject": event.subject})
            session.execute(text("SELECT pg_notify(:channel, :message)"), {"channel": CHANNEL, "message": message})

    def publish(self, event: DomainEvent) -> None:
        """Nothing to do after commit: PostgreSQL delivers to every listening worker, this one too."""

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._local.attach(loop)
        self._listener = loop.create_task(self._listen())

    async def wait_until_listening(self, timeout: float = 10) -> None:
        """Serve only once LISTEN is in place, so no event of the first requests is missed."""
        try:
            await asyncio.wait_for(self._listening.wait(), timeout)
        except TimeoutError:
            log.warning("not listening for events after %s s; screens update once the connection is made", timeout)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    delay = 0.5
                    async for notification in conn.notifies():
                        fields = json.loads(notification.payload)
                        self._local.publish(DomainEvent(seq=fields["seq"], action=fields["action"],
                                                        subject=fields["subject"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarted or the network dropped: listen again
                log.warning("event listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
