"""Hourly signed checkpoints while a vote is open, even when no ballot arrives.

Every worker runs `keep_signing` from the application's lifespan; each pass looks at the open
rounds and signs those due (core.audit.checkpoint_hourly: nothing signed about the round in the last
hour, none yet in this clock hour). The log's lock and a unique mark per round and hour make one
checkpoint however many workers look. A ballot still signs lazily too (voting.service.cast_ballot),
so a vote is covered even by a server started without the task (the command line).
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from core import audit
from core.audit import Actor
from core.database import Database
from governance import repository as governance_repo
from governance.models import VoteStatus
from voting.events import VotingEvent

HOURLY_ACTOR = Actor(role="system", ref="hourly-checkpoint")
log = logging.getLogger(__name__)


def sign_due_rounds(db: Database, now: datetime | None = None) -> list[int]:
    """Take the hourly checkpoint of every open round that is due one; the rounds signed."""
    now = now or datetime.now(UTC)
    with db.session() as session:
        round_ids = [r.id for r in governance_repo.open_rounds(session)]
    signed = []
    for round_id in round_ids:
        try:
            with db.session(write=True) as session:
                if governance_repo.get_round(session, round_id).vote_status != VoteStatus.open:
                    continue  # closed since we looked
                if audit.checkpoint_hourly(session, HOURLY_ACTOR, VotingEvent.vote_checkpointed,
                                           f"round:{round_id}", {}, now) is not None:
                    signed.append(round_id)
        except IntegrityError:
            continue  # another worker took this round's hour first: its checkpoint stands
    return signed


async def keep_signing(db: Database, every_seconds: float, clock: Callable[[], datetime] | None = None) -> None:
    """Look every `every_seconds` until cancelled. The first look is after one interval, so a server
    that starts and stops at once (a test) writes nothing."""
    clock = clock or (lambda: datetime.now(UTC))
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await asyncio.to_thread(sign_due_rounds, db, clock())
        except Exception:  # a database hiccup must not end the task; the next look tries again
            log.exception("hourly checkpoint pass failed")
