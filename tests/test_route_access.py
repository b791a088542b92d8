"""Who may call what: every route of create_app() declares it (core.access), and this test calls
every route as every kind of person, on their own partnership's objects and on another's, and
compares what happened with what was declared.

A refusal is the platform's NotSignedIn / NotAllowed answer (401 / 403 problem+json: requests ask
for JSON, so "sign in first" is a 401 rather than a redirect to the sign-in page). Anything else
means the request got past the door: a page, a redirect, a 404 for a made-up token, a 422 for an
empty form, a wrong password or pass code (which say so on the page; they refuse the password,
not the caller).
"""

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import itsdangerous
import pytest
from fastapi.testclient import TestClient

from core import access
from core.audit import CLI_ACTOR
from governance.models import Role
from scrutiny import service as scrutiny_service
from tests.builders import a_partnership, a_pb_day, a_round, a_staff_member, sign_in

PARTNERSHIP_ROLES = ("steward", "member", "officer", "chair", "scrutiny")
# Each of these is asked once; partnership roles twice (own partnership, another's).
PEOPLE = ("anonymous", "resident", "admin", *PARTNERSHIP_ROLES)
# Made-up one-time codes: the route answers "no such thing", which is not a refusal.
MADE_UP_TOKEN = "T" * 43


@dataclass
class Objects:
    """One partnership's things that routes name by id."""

    partnership_id: int
    round_id: int
    proposal_id: int
    query_id: int
    meeting_id: int | None = None
    minutes_id: int | None = None
    decision_id: int | None = None
    comment_id: int | None = None  # a resident's comment on the round
    resident_proposal_id: int | None = None  # a proposal the test's resident submitted on the round
    grant_id: int | None = None  # a grant awarded for one of the round's proposals
    spend_id: int | None = None  # a spend entry on that grant
    # Declarations of interest: withdrawing one is for whoever declared it, so each person tried has
    # their own (by username; only in the own partnership) besides the chair's.
    declaration_ids: dict[str, int] = field(default_factory=dict)


def _world(db):
    day = a_pb_day(db, open_vote=False)
    with db.session(write=True) as session:
        member = a_staff_member(session, day.partnership, Role.member, "member")
        a_staff_member(session, None, None, "admin", is_admin=True)
        other = a_partnership(session, name="Bollington Partnership", slug="bollington")
        other_chair = a_staff_member(session, other, Role.chair, "otherchair")
        bystander = a_staff_member(session, other, Role.member, "bystander")
        other_round = a_round(session, other, title="Bollington Fund")
        own_query = scrutiny_service.raise_query(session, CLI_ACTOR, day.scrutiny, scrutiny_service.concern_of(
            session, f"round:{day.round_id}"), "Why this budget?")
        other_query = scrutiny_service.raise_query(session, CLI_ACTOR, other_chair, scrutiny_service.concern_of(
            session, f"round:{other_round.id}"), "Why this date?")
        from proposals import repository as proposals_repo

        own = Objects(day.partnership.id, day.round_id, day.proposals[0].id, own_query.id)
        other_objects = Objects(other.id, other_round.id, proposals_repo.on_ballot(session, other_round.id)[0].id,
                                other_query.id)
        _add_meetings(session, day.partnership.id, own, day.chair)
        _add_meetings(session, other.id, other_objects, other_chair)
        resident = _a_resident(session)
        _add_consult_and_delivery(session, own, resident)
        _add_consult_and_delivery(session, other_objects, resident)
        _add_declarations(session, own, {"chair": day.chair, "steward": day.steward, "officer": day.officer,
                                         "scrutiny": day.scrutiny, "member": member,
                                         "admin": _staff(session, "admin")})
        _add_declarations(session, other_objects, {"chair": other_chair})
        return own, other_objects, bystander.id, resident.id


def _staff(session, username: str):
    from sqlmodel import select

    from governance.models import StaffAccount

    return session.exec(select(StaffAccount).where(StaffAccount.username == username)).one()


def _a_resident(session):
    from residents.models import Resident

    resident = Resident(email="ann@example.org", display_name="Ann")
    session.add(resident)
    session.flush()
    return resident


def _add_consult_and_delivery(session, objects: Objects, resident) -> None:
    """A resident's comment and submitted proposal on the round; a grant for one of its proposals, with
    a spend entry and its evidence file."""
    from consult.models import Comment
    from delivery.models import Grant, SpendEntry, SpendEvidence
    from proposals.models import Proposal, ProposalStatus

    today = date.today()
    comment = Comment(round_id=objects.round_id, resident_id=resident.id, body="More benches, please.")
    proposal = Proposal(round_id=objects.round_id, title="A bench by the pond", cost=800,
                        status=ProposalStatus.submitted, proposer_id=resident.id, proposer_name="Ann")
    grant = Grant(round_id=objects.round_id, proposal_id=objects.proposal_id, title="Project 1",
                  recipient_name="Friends of the Park", recipient_id="360G-friends", amount=60_000,
                  award_date=today, planned_start=today, planned_end=today + timedelta(days=90))
    session.add_all([comment, proposal, grant])
    session.flush()
    spend = SpendEntry(grant_id=grant.id, spent_on=today, amount_pence=100_000, description="Paint",
                       entered_by="staff:1", evidence_type="application/pdf")
    session.add(spend)
    session.flush()
    session.add(SpendEvidence(spend_id=spend.id, media_type="application/pdf", content=b"%PDF-1.4 receipt"))
    objects.comment_id, objects.resident_proposal_id = comment.id, proposal.id
    objects.grant_id, objects.spend_id = grant.id, spend.id


def _add_declarations(session, objects: Objects, people: dict) -> None:
    """Each person's declaration of an interest in an organisation none of the proposals names, so it
    keeps nobody from reviewing them."""
    from governance import interests

    for username, staff in people.items():
        declaration = interests.declare_interest(
            session, CLI_ACTOR, partnership_id=objects.partnership_id, staff_id=staff.id,
            organisation="Nobody Ltd", description=f"{username.title()} is a trustee")
        objects.declaration_ids[username] = declaration.id


def _add_meetings(session, partnership_id: int, objects: Objects, chair) -> None:
    """Two meetings, the first one's minutes (draft) and a decision."""
    from governance import meetings

    first = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership_id, held_on=date.today(),
                                      place="Town Hall", present=[chair.id])
    meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership_id, held_on=date.today() + timedelta(
        days=30), place="Library")
    minutes = meetings.draft_minutes(session, CLI_ACTOR, first.id, "Met; agreed the priorities.")
    decision = meetings.record_decision(session, CLI_ACTOR, first.id, "Adopt the priorities for 2026")
    objects.meeting_id, objects.minutes_id, objects.decision_id = first.id, minutes.id, decision.id


def _values(objects: Objects, bystander_id: int, person: str, path: str) -> dict[str, str]:
    # A resident's own proposal for the residents' proposal pages; the ballot's for the rest.
    resident_pages = path.startswith("/rounds/{round_id}/proposals/{proposal_id}")
    proposal_id = objects.resident_proposal_id if resident_pages else objects.proposal_id
    return {
        "partnership_id": str(objects.partnership_id), "round_id": str(objects.round_id),
        "proposal_id": str(proposal_id), "query_id": str(objects.query_id),
        "meeting_id": str(objects.meeting_id or 1), "minutes_id": str(objects.minutes_id or 1),
        "decision_id": str(objects.decision_id or 1), "about": f"round:{objects.round_id}",
        # Admin routes about a staff account are tried on someone who is nobody in this test.
        "staff_id": str(bystander_id), "token": MADE_UP_TOKEN, "seq": "1",
        "comment_id": str(objects.comment_id), "grant_id": str(objects.grant_id), "spend_id": str(objects.spend_id),
        "declaration_id": str(objects.declaration_ids.get(person, objects.declaration_ids["chair"])),
        # A step the chair may take along the arc, and one of the dashboard's tables.
        "move": "next", "table": "money",
    }


def _resident_cookie(secret_key: str, resident_id: int) -> str:
    """A session that marks a signed-in resident, signed as the application signs its sessions."""
    data = base64.b64encode(json.dumps({access.RESIDENT_SESSION_KEY: resident_id, "resident_version": 0}).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(data).decode()


REFUSALS = {(401, "Sign-in needed"), (403, "Not allowed")}
OBJECT_NAMES = {"partnership_id", "round_id", "proposal_id", "query_id", "meeting_id", "minutes_id", "decision_id",
                "about", "comment_id", "grant_id", "spend_id", "declaration_id"}
_tokens: dict[int, str] = {}


def _csrf(client: TestClient, fresh: bool = False) -> str:
    if fresh or id(client) not in _tokens:
        page = client.get("/accessibility").text
        _tokens[id(client)] = re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)
    return _tokens[id(client)]


def _refused(response) -> bool:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        return (response.status_code, response.json().get("title")) in REFUSALS
    return False


def _names(entry: access.RouteEntry) -> set[str]:
    dependant = entry.route.dependant
    return {p.name for p in [*dependant.path_params, *dependant.query_params, *_form_fields(dependant)]}


def _people(app, resident_id: int) -> dict[str, TestClient]:
    people = {}
    for person in PEOPLE:
        client = TestClient(app, headers={"Accept": "application/json"})
        client.__enter__()
        if person == "resident":
            client.cookies.set("cp_session", _resident_cookie(app.state.settings.secret_key, resident_id))
        elif person != "anonymous":
            sign_in(client, {"steward": "steward", "member": "member", "officer": "officer", "chair": "chair",
                             "scrutiny": "scrutiny", "admin": "admin"}[person])
        people[person] = client
    return people


def _call(client: TestClient, entry: access.RouteEntry, values: dict[str, str]) -> tuple[int, bool]:
    path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), entry.path)
    dependant = entry.route.dependant
    query = {p.name: values.get(p.name, "1") for p in dependant.query_params if p.field_info.is_required()}
    if "WEBSOCKET" in entry.methods:
        try:
            with client.websocket_connect(path, headers={"Origin": "http://127.0.0.1:8000"}) as socket:
                socket.close()
            return 101, False
        except Exception:  # closed before it was accepted
            return 403, True
    if "GET" in entry.methods:
        response = client.get(path, params=query, follow_redirects=False)
    else:
        headers = {"x-csrf-token": _csrf(client)}
        if path.startswith("/api/"):
            response = client.post(path, params=query, json={}, headers=headers, follow_redirects=False)
        else:
            form = {p.name: values.get(p.name, "") for p in _form_fields(dependant)}
            response = client.post(path, params=query, data=form, headers=headers, follow_redirects=False)
    return response.status_code, _refused(response)


def _form_fields(dependant):
    fields = list(dependant.body_params)
    for sub in dependant.dependencies:
        fields.extend(_form_fields(sub))
    return fields


def _ordered(entries: list[access.RouteEntry]) -> list[access.RouteEntry]:
    # Signing out ends the session the rest of the walk needs, so it comes near the end (each person
    # signs in again after it; a resident's signing out ends every copy of their session, so only staff
    # routes follow it); wrong passwords at the sign-in page make signing in wait, so it is last.
    def rank(entry: access.RouteEntry) -> int:
        return {"/signout": 1, "/logout": 1, "/login": 2 if "POST" in entry.methods else 0}.get(entry.path, 0)
    return sorted(entries, key=rank)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestEveryRouteDeclaresWhoMayCallIt:
    def test_no_route_is_left_undeclared(self, app):
        _, mounts = access.route_table(app)

        undeclared = access.undeclared(app)

        assert undeclared == [], f"routes without an access declaration (see README, 'Declaring a route'): " \
                                 f"{undeclared}"
        assert mounts == ["/static"]  # static files: public, and nothing else mounted

    def test_a_route_added_without_a_declaration_is_named(self, app):
        from fastapi import APIRouter

        extra = APIRouter(prefix="/extra")

        @extra.get("/forgotten/{round_id}")
        def forgotten(round_id: int):
            return {}

        app.include_router(extra)

        assert access.undeclared(app) == ["GET /extra/forgotten/{round_id}"]


# On both databases: a route's own checks read its object from the database (a grant's round, a
# declaration's partnership ...), and a check that works on one and not the other is a hole.
class TestTheRoleRouteMatrix:
    def test_every_route_for_every_person_on_own_and_other_objects(self, app, db):
        own, other, bystander_id, resident_id = _world(db)
        _tokens.clear()
        people = _people(app, resident_id)
        entries, _ = access.route_table(app)
        surprises, server_errors, cells = [], [], 0
        try:
            for entry in _ordered(entries):
                declared = access.declared(entry.endpoint)
                # Without an object, "another partnership's" is the very same request.
                sides = (True, False) if _names(entry) & OBJECT_NAMES else (True,)
                for person, client in people.items():
                    for own_side in (sides if person in PARTNERSHIP_ROLES else (True,)):
                        objects = own if own_side else other
                        status, refused = _call(client, entry, _values(objects, bystander_id, person, entry.path))
                        cells += 1
                        allowed = not refused
                        if status >= 500:
                            server_errors.append(f"{entry.methods} {entry.path} as {person}: {status}")
                        if allowed != declared.allows(person, own_side):
                            surprises.append(f"{'/'.join(entry.methods)} {entry.path} as {person} on "
                                             f"{'own' if own_side else 'another'} partnership: {status}, declared "
                                             f"{declared.describe()}")
                        if entry.path == "/logout":  # the session was cleared: a new form token
                            if person not in ("anonymous", "resident"):
                                sign_in(client, person)
                            _csrf(client, fresh=True)
        finally:
            for client in people.values():
                client.__exit__(None, None, None)

        assert server_errors == []
        assert surprises == [], "\n".join(surprises)
        print(f"\nrole x route matrix: {len(entries)} routes x {len(PEOPLE)} people (own and another partnership "
              f"for {len(PARTNERSHIP_ROLES)} partnership roles on routes with an object) = {cells} cells checked"
              ", 0 unexpected allows, "
              f"0 unexpected refusals")


class TestTheDeclarations:
    def test_staff_of_a_partnership_is_refused_on_another(self):
        declared = access.Access(access.STAFF, frozenset({"chair"}), on_object=True)

        assert declared.allows("chair", True) and not declared.allows("chair", False)
        assert declared.allows("admin", False) and not declared.allows("officer", True)
        assert not declared.allows("anonymous", True) and not declared.allows("resident", True)
