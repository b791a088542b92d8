"""The event bus: after a unit of work commits, its domain events are published here.

Subscribers are coroutines (websocket pushes, live projections). The in-process backend
serves one worker; `core.pg_bus.PostgresBus` serves several workers on PostgreSQL through the
same protocol (plus a `before_commit` hook the unit of work calls inside the transaction).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    seq: int
    action: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[DomainEvent], Awaitable[None]]


class Bus(Protocol):
    def publish(self, event: DomainEvent) -> None: ...

    def subscribe(self, subscriber: Subscriber) -> None: ...


class NullBus:
    """For commands run where nobody listens (the CLI, migrations)."""

    def publish(self, event: DomainEvent) -> None:
        pass

    def subscribe(self, subscriber: Subscriber) -> None:
        pass


class InProcessBus:
    """Delivers events to subscribers on the server's event loop.

    `publish` may be called from a worker thread (sync routes run in a thread pool), so it
    hands the delivery to the loop instead of awaiting it.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, event: DomainEvent) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        for subscriber in self._subscribers:
            loop.call_soon_threadsafe(_spawn, loop, subscriber, event)


def _spawn(loop: asyncio.AbstractEventLoop, subscriber: Subscriber, event: DomainEvent) -> None:
    task = loop.create_task(subscriber(event))
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("bus subscriber failed", exc_info=task.exception())
