"""The big screen's websocket, and the subscriber that pushes it HTML fragments.

Bursts of ballots are coalesced: a screen gets at most a few updates a second, each with the
turnout as it stands, instead of one message per ballot.
"""

import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from core.bus import DomainEvent
from core.database import Database
from core.templating import render_block
from voting.events import VotingEvent

log = logging.getLogger(__name__)
router = APIRouter()

COALESCE_SECONDS = 0.15
SCREEN_EVENTS = {VotingEvent.ballot_cast, VotingEvent.pass_issued, VotingEvent.passes_issued,
                 VotingEvent.vote_opened, VotingEvent.vote_closed, VotingEvent.results_published}


class ScreenHub:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.screens: dict[int, set[WebSocket]] = {}
        self._pending: set[int] = set()

    def join(self, round_id: int, socket: WebSocket) -> None:
        self.screens.setdefault(round_id, set()).add(socket)

    def leave(self, round_id: int, socket: WebSocket) -> None:
        self.screens.get(round_id, set()).discard(socket)

    async def on_event(self, event: DomainEvent) -> None:
        if event.action not in SCREEN_EVENTS or not event.subject.startswith("round:"):
            return
        round_id = int(event.subject.removeprefix("round:"))
        if not self.screens.get(round_id) or round_id in self._pending:
            return
        self._pending.add(round_id)
        try:
            await asyncio.sleep(COALESCE_SECONDS)
        finally:
            self._pending.discard(round_id)
        await self.push(round_id)

    async def push(self, round_id: int) -> None:
        html = await asyncio.to_thread(self.render, round_id)
        for socket in list(self.screens.get(round_id, ())):
            try:
                await socket.send_text(html)
            except Exception:  # a screen that went away; its own handler will clean up
                self.leave(round_id, socket)

    def render(self, round_id: int) -> str:
        from voting.results import screen_context

        with self.db.session() as session:
            context = screen_context(session, round_id)
        context["oob"] = True
        return "".join(render_block("voting/screen.html", name, context) for name in ("live", "reveal"))


@router.websocket("/screen/{round_id}/ws")
async def screen_socket(socket: WebSocket, round_id: int):
    hub: ScreenHub = socket.app.state.screen_hub
    await socket.accept()
    hub.join(round_id, socket)
    try:
        while True:
            await socket.receive_text()  # screens send nothing; this notices when they leave
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(round_id, socket)
