"""Typed builders with visible defaults: `a_round(session, budget=100_000, ballot="scores")`."""

from dataclasses import dataclass, field

from sqlmodel import Session

from core.audit import CLI_ACTOR
from governance import service as governance_service
from governance.models import BallotKind, CountingRule, Partnership, Phase, Role, Round, StaffAccount
from governance.service import BallotSettings
from proposals import service as proposals_service
from proposals.models import Proposal
from voting import register
from voting import service as voting_service

PASSWORD = "correct horse battery staple"


def a_partnership(session: Session, name: str = "Macclesfield Neighbourhood Partnership",
                  slug: str = "macclesfield") -> Partnership:
    return governance_service.create_partnership(session, CLI_ACTOR, name=name, slug=slug, area="SK10, SK11")


def a_staff_member(session: Session, partnership: Partnership | None, role: Role | None, username: str,
                   is_admin: bool = False) -> StaffAccount:
    staff = governance_service.create_staff(session, CLI_ACTOR, username=username, display_name=username.title(),
                                            password=PASSWORD, is_admin=is_admin)
    if partnership is not None and role is not None:
        governance_service.add_member(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=staff.id, role=role)
    return staff


def a_round(session: Session, partnership: Partnership, *, budget: int = 100_000, ballot: str = "scores",
            score_max: int = 5, max_picks: int | None = None, min_picks: int = 0,
            costs: tuple[int, ...] = (60_000, 30_000, 20_000, 10_000),
            postcodes: str = "SK10, SK11", title: str = "Community Fund 2026", rule: str = "greedy",
            points: int = 10, rank_depth: int = 3) -> Round:
    settings = BallotSettings(ballot_kind=BallotKind(ballot), score_min=0 if score_max == 10 else 1,
                              score_max=score_max, min_picks=min_picks, max_picks=max_picks,
                              counting_rule=CountingRule(rule), points_total=points, rank_depth=rank_depth)
    voting_round = governance_service.create_round(
        session, CLI_ACTOR, partnership_id=partnership.id, title=title, budget=budget, eligible_postcodes=postcodes,
        settings=settings, phase=Phase.collaborate)
    for n, cost in enumerate(costs, start=1):
        proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title=f"Project {n}",
                                       cost=cost)
    return voting_round


@dataclass
class PBDay:
    """A partnership with its chair, steward and officer, and a round with proposals."""

    partnership: Partnership
    chair: StaffAccount
    steward: StaffAccount
    officer: StaffAccount
    scrutiny: StaffAccount
    round: Round
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def round_id(self) -> int:
        return self.round.id


def a_pb_day(db, *, open_vote: bool = True, **round_options) -> PBDay:
    from proposals import repository as proposals_repo

    with db.session(write=True) as session:
        partnership = a_partnership(session)
        chair = a_staff_member(session, partnership, Role.chair, "chair")
        steward = a_staff_member(session, partnership, Role.steward, "steward")
        officer = a_staff_member(session, partnership, Role.officer, "officer")
        scrutiny = a_staff_member(session, partnership, Role.scrutiny, "scrutiny")
        voting_round = a_round(session, partnership, **round_options)
        if open_vote:
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)
        proposals = proposals_repo.on_ballot(session, voting_round.id)
    return PBDay(partnership, chair, steward, officer, scrutiny, voting_round, proposals)


def passes_for(db, round_id: int, count: int = 1) -> list[str]:
    with db.session(write=True) as session:
        return [p.code for p in register.issue_passes(session, CLI_ACTOR, round_id=round_id, count=count)]


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def sign_in(client, username: str, password: str = PASSWORD) -> str:
    """Sign a staff member in through the login form; returns the form token for later posts."""
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/manage"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/manage").text)


def sign_in_resident(client, db, email: str = "ann@example.org", *, next_path: str = "/me") -> int:
    """Sign a resident in through a real link (made by the service, as the sign-in form does) and
    return the resident's id. Tests of sign-in itself read the link from the mail instead."""
    from residents import service as residents_service

    with db.session(write=True) as session:
        _, token = residents_service.request_link(session, email=email, client="builder", link_minutes=30,
                                                  next_path=next_path)
    token_page = client.get(f"/signin/{token}")
    assert token_page.status_code == 200, token_page.text
    response = client.post(f"/signin/{token}", data={"csrf_token": csrf_from(token_page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    with db.session() as session:
        resident = residents_service.repository.resident_by_email(session, email.strip().lower())
        return resident.id


# --- files residents and recipients upload --------------------------------------------------------

def a_png(width: int = 48, height: int = 32) -> bytes:
    """A small real picture (green): what a phone's photo is, in miniature."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x1d\x6b\x3a" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# The start and end markers of a JPEG around its segments (not a picture a viewer would draw).
A_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
A_PDF = b"%PDF-1.4\n% a receipt\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# A RIFF container whose length is its own, holding a (blank) VP8 frame.
A_WEBP = b"RIFF" + (8 + 4 + 64).to_bytes(4, "little") + b"WEBPVP8 " + (64).to_bytes(4, "little") + b"\x00" * 64
