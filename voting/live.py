"""The big screen's websocket, and the subscriber that pushes it HTML fragments.

Bursts of ballots are coalesced: a screen gets at most a few updates a second, each with the
turnout as it stands, instead of one message per ballot.
"""

import asyncio
import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from core import access, i18n
from core.bus import DomainEvent
from core.database import Database
from core.errors import NotFound
from core.templating import render_block
from voting.events import VotingEvent

log = logging.getLogger(__name__)
router = APIRouter()

COALESCE_SECONDS = 0.15
SCREEN_EVENTS = {VotingEvent.ballot_cast, VotingEvent.pass_issued, VotingEvent.passes_issued,
                 VotingEvent.vote_opened, VotingEvent.vote_closing, VotingEvent.vote_closed,
                 VotingEvent.results_published}


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
        # One rendering per language the round's screens are shown in (a hall may have both).
        html: dict[str, str] = {}
        for socket in list(self.screens.get(round_id, ())):
            language = socket.scope.get("state", {}).get("language", i18n.DEFAULT)
            if language not in html:
                html[language] = await asyncio.to_thread(self.render, round_id, language)
            try:
                await socket.send_text(html[language])
            except Exception:  # a screen that went away; its own handler will clean up
                self.leave(round_id, socket)

    def render(self, round_id: int, language: str = i18n.DEFAULT) -> str:
        from voting.results import screen_context, screen_turnout_context

        with i18n.use(language):
            with self.db.session() as session:
                # While ballots come in only the turnout changes: the reveal is empty until results are
                # published, so a burst's updates read two counters, not the whole results page.
                context = screen_turnout_context(session, round_id)
                blocks = ("live",)
                if context is None:
                    context, blocks = screen_context(session, round_id), ("live", "reveal")
            context["oob"] = True
            return "".join(render_block("voting/screen.html", name, context) for name in blocks)


# Close codes (RFC 6455): 1008 for a connection this server will not serve, 1003 for data it
# does not take (screens only listen).
POLICY_VIOLATION = 1008
UNSUPPORTED_DATA = 1003


def origin_allowed(socket: WebSocket) -> bool:
    """A browser names the page that opened the socket; only this site's own pages may. Clients
    that send no Origin are not browsers, so no other site can be riding on them."""
    origin = socket.headers.get("origin")
    if origin is None:
        return True
    settings = socket.app.state.settings
    parts = urlsplit(origin)
    return (origin.rstrip("/") == settings.public_origin
            or (parts.scheme in ("http", "https") and parts.netloc == socket.headers.get("host")))


def round_exists(db: Database, round_id: int) -> bool:
    from governance import repository as governance_repo

    with db.session() as session:
        try:
            governance_repo.get_round(session, round_id)
        except NotFound:
            return False
    return True


@access.public
@router.websocket("/screen/{round_id}/ws")
async def screen_socket(socket: WebSocket, round_id: int):
    hub: ScreenHub = socket.app.state.screen_hub
    if not origin_allowed(socket) or not await asyncio.to_thread(round_exists, hub.db, round_id):
        await socket.close(code=POLICY_VIOLATION)
        return
    await socket.accept()
    hub.join(round_id, socket)
    try:
        while True:
            # Screens send nothing; this notices when they leave. Text is ignored, binary refused.
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("bytes") is not None:
                await socket.close(code=UNSUPPORTED_DATA)
                break
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(round_id, socket)
