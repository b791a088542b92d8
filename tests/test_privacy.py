"""Privacy: nothing public names a resident; the register is purged to counts once its retention
period is over, on the record; and the privacy and accessibility statements say so in plain words."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import deque
from datetime import timedelta
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditEvent, verify_chain
from core.settings import PROJECT_ROOT, Settings
from governance.models import Round, StaffAccount
from governance.permissions import actor_for
from scrutiny.models import RegisterPurge
from scrutiny.service import purge_registers
from tests.builders import a_pb_day, csrf_from, passes_for
from voting import certification, reconciliation, register
from voting import repository as voting_repo
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.demo import seed_demo
from voting.verification import verify_ballot_box

# Residents who come to the desk on the demo's PB day, with their home postcodes.
RESIDENTS = [("Margaret Thornton", "SK10 1EA"), ("Devendra Okonkwo-Patel", "SK11 6AB"),
             ("Olwen Gethin", "SK10 2QT"), ("Tomasz Wiśniewski", "SK11 7JX"), ("Bernadette Cluskey", "SK10 3HW")]

# The demo's paper proposal form: the resident wrote her name for the officers, not for the public.
PAPER_PROPOSER = "Joan Brown"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# A full UK postcode as the desk writes it (outward code, a space, inward code). District codes on
# their own (SK10) are the round's public area, not anyone's address.
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b")


def personal_data_in(text: str) -> list[str]:
    found = [m.group(0) for m in EMAIL.finditer(text)]
    found += [m.group(0) for m in POSTCODE.finditer(text) if " " in m.group(0) or m.group(0) in
              {p.replace(" ", "") for _, p in RESIDENTS}]
    found += [PAPER_PROPOSER] if re.search(rf"\b{PAPER_PROPOSER}\b", text, re.IGNORECASE) else []
    for name, postcode in RESIDENTS:
        found += [part for part in (name, *name.split()) if re.search(rf"\b{re.escape(part)}\b", text, re.IGNORECASE)]
        found += [postcode] if re.search(rf"\b{postcode.replace(' ', ' ?')}\b", text, re.IGNORECASE) else []
    return found


def the_demo_with_a_pb_day_at_the_desk(client, db) -> list[int]:
    """The demo, then this year's round opened; the steward checks named residents at the desk;
    they vote; the chair closes and publishes."""
    with db.session(write=True) as session:
        seed_demo(session, ballots=30)
        rounds = list(session.exec(select(Round).order_by(Round.id)))
    this_year = rounds[-1].id
    with db.session(write=True) as session:
        voting_service.open_vote(session, CLI_ACTOR, this_year)
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"username": "steward", "password": "demo-steward-pass", "csrf_token": token})
    token = csrf_from(client.get(f"/desk?round_id={this_year}").text)
    codes = []
    for name, postcode in RESIDENTS:
        page = client.post("/desk/passes", data={"csrf_token": token, "round_id": this_year, "name": name,
                                                 "postcode": postcode})
        assert page.status_code == 200, page.text
        codes.append(re.search(r'id="pass-code"[^>]*>\s*([A-Z0-9-]+)\s*<', page.text).group(1))
    client.cookies.clear()
    with db.session() as session:
        projects = [p["id"] for p in client.get(f"/api/v1/rounds/{this_year}").json()["projects"]]
    for n, code in enumerate(codes):
        response = client.post(f"/api/v1/rounds/{this_year}/ballots",
                               json={"pass": code, "scores": {str(projects[n]): 5, str(projects[-1]): 2}})
        assert response.status_code == 201, response.text
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, this_year)
        voting_service.publish_results(session, CLI_ACTOR, this_year)
    return [r.id for r in rounds]


def stable_addresses(round_ids: list[int]) -> list[str]:
    addresses = ["/", "/audit", "/audit/queries", "/privacy", "/accessibility", "/kiosk", "/login",
                 "/api/v1/rounds", "/api/v1/audit", "/api/v1/audit/public-key", "/openapi.json"]
    for r in round_ids:
        addresses += [f"/rounds/{r}", f"/rounds/{r}/results", f"/rounds/{r}/results.pb", f"/rounds/{r}/check",
                      f"/screen/{r}", f"/rounds/{r}/audit-bundle.zip", f"/api/v1/rounds/{r}",
                      f"/api/v1/rounds/{r}/results", f"/api/v1/rounds/{r}/turnout", f"/api/v1/rounds/{r}/proposals",
                      f"/api/v1/rounds/{r}/engagement", f"/api/v1/audit?round={r}", f"/audit?round={r}"]
    return addresses


LINK = re.compile(r'(?:href|hx-get|src)="([^"]+)"')


def crawl(client, start: list[str], limit: int = 3000) -> dict[str, str]:
    """Every page and download reachable from the start addresses without signing in: address -> text."""
    seen, found, queue = set(start), {}, deque(start)
    while queue and len(found) < limit:
        address = queue.popleft()
        response = client.get(address, follow_redirects=True)
        if response.status_code != 200:
            continue
        body = response.content
        if address.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(body)) as bundle:
                text = "\n".join(bundle.read(n).decode("utf-8", "replace") for n in bundle.namelist())
        else:
            text = body.decode("utf-8", "replace")
        found[address] = text
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for link in LINK.findall(text):
            target = urldefrag(urljoin(address, link.replace("&amp;", "&")))[0]
            parts = urlsplit(target)
            if parts.netloc or target.startswith("/static/") or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return found


class TestNothingPublicNamesAResident:
    def test_every_public_page_and_download_of_the_demo_is_free_of_names_emails_and_postcodes(self, client, db):
        round_ids = the_demo_with_a_pb_day_at_the_desk(client, db)

        pages = crawl(client, stable_addresses(round_ids))

        must_have = {"/", "/audit", "/privacy", "/accessibility", "/api/v1/audit", "/api/v1/audit/public-key"}
        published = [r for r in round_ids if client.get(f"/api/v1/rounds/{r}/results").status_code == 200]
        must_have |= {f"/rounds/{r}/results.pb" for r in published} | {f"/api/v1/audit?round={r}" for r in round_ids}
        assert must_have <= set(pages), must_have - set(pages)
        assert sum(1 for a in pages if re.fullmatch(r"/audit/\d+", a)) > 30  # the crawl reached the entries
        leaks = {address: hits for address, text in pages.items() if (hits := personal_data_in(text))}
        assert leaks == {}

    def test_the_scan_would_find_them(self):
        """The scanner is not blind: it finds each kind, and does not take the round's postcode
        districts, hashes or tracking codes for personal data."""
        assert personal_data_in("Margaret Thornton, SK10 1EA, m.thornton@example.org") == [
            "m.thornton@example.org", "SK10 1EA", "Margaret Thornton", "Margaret", "Thornton", "SK10 1EA"]
        assert personal_data_in("Residents of SK10, SK11 · hash 5ab12cd9 · code AB3CD-7EF2G") == []

    def test_no_entry_of_the_log_holds_personal_data_even_the_withheld_ones(self, client, db):
        the_demo_with_a_pb_day_at_the_desk(client, db)

        with db.session() as session:
            rows = list(session.exec(select(AuditEvent)))
            staff_names = [s.display_name for s in session.exec(select(StaffAccount))]
        text = "\n".join(f"{e.actor_ref} {e.subject} {e.payload}" for e in rows)

        assert personal_data_in(text) == []
        assert [name for name in staff_names if name in text] == []  # staff appear by reference only


# --- the register purged to counts ---------------------------------------------------------------

def a_round_with_desk_passes_published(db, certify: bool = True):
    day = a_pb_day(db)
    with db.session(write=True) as session:
        desk = [register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name=name, postcode=postcode)
                for name, postcode in RESIDENTS[:3]]
    printed = passes_for(db, day.round_id, 2)
    for code in [desk[0].code, printed[0]]:
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores={day.proposals[0].id: 4}))
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
        voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    if not certify:
        return day, None
    with db.session(write=True) as session:
        reconciliation.sign_off(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")
        certification.certify(session, actor_for(day.chair, "chair"), day.round_id, name="Chair")
        record = certification.confirm(session, actor_for(day.officer, "officer"), day.round_id, name="Officer")
        return day, record.confirmed_at


def holder_refs(db, round_id: int) -> list[str | None]:
    with db.session() as session:
        return [p.holder_ref for p in voting_repo.passes_of(session, round_id)]


def purge(db, now, days: int = 90):
    with db.session(write=True) as session:
        return [(p.round_id, p.desk_passes, p.batch_passes, p.ballots)
                for p in purge_registers(session, CLI_ACTOR, now=now, retention_days=days)]


class TestTheRegisterIsPurgedToCounts:
    def test_a_published_round_not_yet_certified_keeps_its_register(self, db):
        from datetime import UTC, datetime

        day, _ = a_round_with_desk_passes_published(db, certify=False)

        assert purge(db, datetime.now(UTC) + timedelta(days=10_000)) == []
        assert sum(ref is not None for ref in holder_refs(db, day.round_id)) == 3

    def test_nothing_is_purged_before_the_retention_period_is_over(self, db):
        day, published_at = a_round_with_desk_passes_published(db)

        assert purge(db, published_at + timedelta(days=89, hours=23)) == []
        assert sum(ref is not None for ref in holder_refs(db, day.round_id)) == 3

    def test_after_it_the_fingerprints_go_and_the_counts_stay_on_the_record(self, db):
        day, published_at = a_round_with_desk_passes_published(db)

        purged = purge(db, published_at + timedelta(days=90))

        assert purged == [(day.round_id, 3, 2, 2)]
        assert holder_refs(db, day.round_id) == [None] * 5
        with db.session() as session:
            [entry] = session.exec(select(AuditEvent).where(AuditEvent.action == "register.purged")).all()
            assert entry.subject == f"round:{day.round_id}"
            assert json.loads(entry.payload) == {"desk_passes": 3, "batch_passes": 2, "ballots": 2,
                                                 "retention_days": 90}
            assert session.get(RegisterPurge, day.round_id).desk_passes == 3
            assert voting_repo.passes_issued(session, day.round_id) == 5
            assert verify_chain(session).ok and verify_ballot_box(session) is None

    def test_a_register_is_purged_once(self, db):
        _, published_at = a_round_with_desk_passes_published(db)
        purge(db, published_at + timedelta(days=91))

        assert purge(db, published_at + timedelta(days=200)) == []

    def test_a_round_still_voting_keeps_its_register(self, db):
        day = a_pb_day(db)
        with db.session(write=True) as session:
            register.issue_pass(session, CLI_ACTOR, round_id=day.round_id, name="Ann Lee", postcode="SK10 1AA")
            far_future = voting_repo.passes_of(session, day.round_id)[0]
        assert far_future.holder_ref is not None

        from datetime import UTC, datetime

        assert purge(db, datetime.now(UTC) + timedelta(days=10_000)) == []
        assert holder_refs(db, day.round_id) != [None]

    def test_the_retention_period_is_a_setting_of_ninety_days_by_default(self, monkeypatch):
        monkeypatch.delenv("REGISTER_RETENTION_DAYS", raising=False)
        assert Settings().register_retention_days == 90
        monkeypatch.setenv("REGISTER_RETENTION_DAYS", "30")
        assert Settings().register_retention_days == 30

    def test_the_operator_runs_it_from_the_command_line(self, db, database_url):
        day, _ = a_round_with_desk_passes_published(db)
        env = {**os.environ, "DATABASE_URL": database_url, "REGISTER_RETENTION_DAYS": "0"}

        def run():
            return subprocess.run([sys.executable, "main.py", "register", "purge"], cwd=PROJECT_ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)

        first, second = run(), run()

        assert first.returncode == 0, first.stderr
        assert f"round {day.round_id}: register purged to counts (3 desk passes, 2 printed passes, 2 ballots)" \
            in first.stdout
        assert "nothing purged" in second.stdout
        assert holder_refs(db, day.round_id) == [None] * 5


# --- the statements ------------------------------------------------------------------------------

class TestThePrivacyAndAccessibilityStatements:
    def test_the_privacy_notice_says_what_is_kept_and_for_how_long(self, client):
        page = client.get("/privacy")

        assert page.status_code == 200
        for subject in ("The register", "Your ballot", "Staff accounts", "Signing in", "sign-in or invitation links",
                        "The audit trail", "Server logs", "90 days after the results are published"):
            assert subject in page.text, subject

    def test_the_accessibility_statement(self, client):
        page = client.get("/accessibility")

        assert page.status_code == 200
        assert "WCAG" in page.text and "What is not perfect yet" in page.text

    @pytest.mark.parametrize("path", ["/", "/audit", "/privacy"])
    def test_both_are_linked_from_every_pages_footer(self, client, path):
        footer = client.get(path).text.split('<footer class="site-footer">')[1]

        assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer and 'href="/audit"' in footer
