"""The audit log as open data: JSON Lines and the key that signs its checkpoints."""

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from core import access
from core.web import SessionDep
from governance import repository as governance_repo
from scrutiny import service

router = APIRouter(prefix="/api/v1", tags=["audit"])

JSONL = "application/jsonl"


class PublicKey(BaseModel):
    algorithm: Literal["ed25519"]
    public_key: str


@access.public
@router.get("/audit", response_class=StreamingResponse, responses={200: {
    "description": "One entry a line, in log order: seq, at, actor_role, actor_ref, action, subject, payload "
                   "(the canonical JSON text that was hashed), prev_hash, hash. Without `round`: the whole "
                   "chain, so it can be re-walked from the first entry to a signed checkpoint; a staff-trail "
                   "entry (staff accounts, roles, sign-ins) is given as {seq, prev_hash, hash, withheld: true}, "
                   "keeping its place in the chain without its content. With `round`: that round's public "
                   "entries only; each still carries prev_hash, so each hash can be checked on its own.",
    "content": {JSONL: {"schema": {"type": "string"}}}}})
def audit_export(request: Request, session: SessionDep,
                 round: int | None = Query(default=None, description="only this round's entries")):
    """Public: the audit trail as JSON Lines."""
    if round is not None:
        governance_repo.get_round(session, round)
    db = request.app.state.db

    def lines():
        # Its own session: the response streams after the request's session has closed.
        with db.session() as streaming:
            yield from service.export_lines(streaming, round)

    return StreamingResponse(lines(), media_type=JSONL)


@access.public
@router.get("/audit/public-key", response_model=PublicKey)
def audit_public_key():
    """Public: the Ed25519 key that signs every checkpoint, base64 (raw 32 bytes)."""
    return {"algorithm": "ed25519", "public_key": service.public_key_b64()}
