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
from dataclasses import dataclass
from datetime import timedelta

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
        del member
        return own, other_objects, bystander.id


def _add_meetings(session, partnership_id: int, objects: Objects, chair) -> None:
    """Two meetings, the first one's minutes (draft) and a decision."""
    from datetime import date

    from governance import meetings

    first = meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership_id, held_on=date.today(),
                                      place="Town Hall", present=[chair.id])
    meetings.schedule_meeting(session, CLI_ACTOR, partnership_id=partnership_id, held_on=date.today() + timedelta(
        days=30), place="Library")
    minutes = meetings.draft_minutes(session, CLI_ACTOR, first.id, "Met; agreed the priorities.")
    decision = meetings.record_decision(session, CLI_ACTOR, first.id, "Adopt the priorities for 2026")
    objects.meeting_id, objects.minutes_id, objects.decision_id = first.id, minutes.id, decision.id


def _values(objects: Objects, bystander_id: int) -> dict[str, str]:
    return {
        "partnership_id": str(objects.partnership_id), "round_id": str(objects.round_id),
        "proposal_id": str(objects.proposal_id), "query_id": str(objects.query_id),
        "meeting_id": str(objects.meeting_id or 1), "minutes_id": str(objects.minutes_id or 1),
        "decision_id": str(objects.decision_id or 1), "about": f"round:{objects.round_id}",
        # Admin routes about a staff account are tried on someone who is nobody in this test.
        "staff_id": str(bystander_id), "token": MADE_UP_TOKEN, "seq": "1",
    }


def _resident_cookie(secret_key: str) -> str:
    """A session that marks a signed-in resident, signed as the application signs its sessions."""
    data = base64.b64encode(json.dumps({access.RESIDENT_SESSION_KEY: 1}).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(data).decode()


REFUSALS = {(401, "Sign-in needed"), (403, "Not allowed")}
OBJECT_NAMES = {"partnership_id", "round_id", "proposal_id", "query_id", "meeting_id", "minutes_id", "decision_id",
                "about"}
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


def _people(app) -> dict[str, TestClient]:
    people = {}
    for person in PEOPLE:
        client = TestClient(app, headers={"Accept": "application/json"})
        client.__enter__()
        if person == "resident":
            client.cookies.set("cp_session", _resident_cookie(app.state.settings.secret_key))
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
    # signs in again after it); wrong passwords at the sign-in page make signing in wait, so it is last.
    def rank(entry: access.RouteEntry) -> int:
        return {"/logout": 1, "/login": 2 if "POST" in entry.methods else 0}.get(entry.path, 0)
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


# Who may call a route does not depend on the database, and the walk is about 850 requests: once, on
# SQLite, keeps CI's time (the services behind the routes are tested on both databases).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestTheRoleRouteMatrix:
    def test_every_route_for_every_person_on_own_and_other_objects(self, app, db):
        own, other, bystander_id = _world(db)
        _tokens.clear()
        people = _people(app)
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
                        status, refused = _call(client, entry, _values(objects, bystander_id))
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
