"""Reading the trail: a resident reads what was done on /audit, filters it, opens one entry and
sees how it is chained; scrutiny members also read the staff trail; anyone can take the log
away as JSON Lines and check it against the published key."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import select

from core.audit import CLI_ACTOR, AuditCheckpoint, AuditEvent, checkpoint_message, entry_hash
from tests.builders import a_partnership, a_pb_day, a_round, a_staff_member, passes_for, sign_in
from voting import service as voting_service
from voting.ballots import BallotChoices


def a_published_round(db, voters: int = 3):
    day = a_pb_day(db)
    for n, code in enumerate(passes_for(db, day.round_id, voters)):
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores={day.proposals[0].id: 5,
                                                                     day.proposals[1].id: 1 + n % 5}))
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, day.round_id)
        voting_service.publish_results(session, CLI_ACTOR, day.round_id)
    return day


def log_entries(db) -> list[AuditEvent]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)))


def first_entry(db, action: str) -> AuditEvent:
    return next(e for e in log_entries(db) if e.action == action)


def seqs_on(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/audit/(\d+)">', html)]


def entries_on(page) -> str:
    """The list of entries, without the filter form (whose options name every action)."""
    html = page.text if hasattr(page, "text") else page
    return html[html.index('id="entries-heading"'):html.index('id="verify-heading"')]


def jsonl(response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines() if line]


class TestAResidentReadsTheTrail:
    def test_the_public_trail_shows_the_round_the_vote_and_the_results_in_plain_words(self, client, db):
        a_published_round(db)

        page = client.get("/audit")

        assert page.status_code == 200
        page = entries_on(page)
        for label in ("Round created", "Proposal put forward", "Voting opened", "A ballot was cast", "Voting closed",
                      "Results published", "signed checkpoint"):
            assert label in page, label

    def test_who_did_it_is_a_role_and_a_staff_name_never_a_voter(self, client, db):
        day = a_pb_day(db, open_vote=False)
        token = sign_in(client, "chair")
        client.post(f"/manage/rounds/{day.round_id}/open", data={"csrf_token": token})
        client.post("/logout", data={"csrf_token": token})
        [code] = passes_for(db, day.round_id)
        with db.session(write=True) as session:
            voting_service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                       choices=BallotChoices(scores={day.proposals[0].id: 4}))

        opened = client.get(f"/audit/{first_entry(db, 'vote.opened').seq}").text
        cast = client.get(f"/audit/{first_entry(db, 'ballot.cast').seq}").text

        assert "Chair: Chair" in opened  # the role and the chair's display name
        assert "A voter" in cast
        assert "Done by</dt><dd>A voter</dd>" in cast

    def test_the_staff_trail_is_only_for_scrutiny_members_and_admins(self, client, db):
        a_pb_day(db, open_vote=False)
        with db.session(write=True) as session:
            a_staff_member(session, None, None, "admin", is_admin=True)
        staff_created = first_entry(db, "staff.created").seq

        def sees_staff_trail(who: str | None) -> bool:
            client.cookies.clear()
            if who:
                sign_in(client, who)
            trail = entries_on(client.get("/audit"))
            entry = client.get(f"/audit/{staff_created}")
            assert ("Staff account created" in trail) == (entry.status_code == 200)
            return entry.status_code == 200

        client.cookies.clear()
        sign_in(client, "scrutiny")
        signed_in = entries_on(client.get("/audit?action=staff.signed_in"))
        assert "Staff member signed in" in signed_in
        assert "Staff member: Scrutiny" in signed_in  # the scrutiny member's own sign-in: a role and a name
        assert not sees_staff_trail(None)
        assert not sees_staff_trail("steward")
        assert not sees_staff_trail("chair")
        assert sees_staff_trail("scrutiny")
        assert sees_staff_trail("admin")

    def test_the_public_key_is_on_the_page(self, client, db):
        a_pb_day(db)
        key = client.get("/api/v1/audit/public-key").json()["public_key"]

        assert key in client.get("/audit").text


class TestFilters:
    def test_a_round_shows_only_its_own_entries(self, client, db):
        day = a_published_round(db)
        with db.session(write=True) as session:
            other = a_round(session, day.partnership, title="Another fund", costs=(5_000,))

        page = entries_on(client.get(f"/audit?round={day.round_id}"))
        others = entries_on(client.get(f"/audit?round={other.id}"))

        assert "Results published" in page and "Proposal put forward" in page
        assert f"round:{other.id}" not in page
        assert "Results published" not in others
        assert f'href="/rounds/{day.round_id}/audit-bundle.zip"' in client.get(f"/audit?round={day.round_id}").text

    def test_what_happened_and_who_did_it(self, client, db):
        a_published_round(db)

        results = entries_on(client.get("/audit?action=results.published"))
        by_voters = entries_on(client.get("/audit?role=voter"))

        assert "(1 found" in results and "Voting opened" not in results
        assert "(3 found" in by_voters and "Results published" not in by_voters

    def test_a_partnership_shows_its_rounds_and_not_another_partnerships(self, client, db):
        day = a_published_round(db)
        with db.session(write=True) as session:
            crewe = a_partnership(session, name="Crewe Partnership", slug="crewe")
            a_round(session, crewe, title="Crewe fund", costs=(2_000,))

        page = entries_on(client.get(f"/audit?partnership={day.partnership.id}"))
        crewe_page = entries_on(client.get(f"/audit?partnership={crewe.id}"))

        assert "Results published" in page and "Crewe fund" not in page
        assert "Results published" not in crewe_page
        assert "Round created" in crewe_page

    def test_a_date_range(self, client, db):
        a_published_round(db)
        today = datetime.now(UTC).date()

        in_range = entries_on(client.get(f"/audit?date_from={today}&date_to={today}"))
        tomorrow = client.get(f"/audit?date_from={today + timedelta(days=1)}").text
        before = client.get(f"/audit?date_to={today - timedelta(days=1)}").text

        assert "Results published" in in_range
        assert "No entries match." in tomorrow
        assert "No entries match." in before

    def test_a_date_that_is_not_a_date_is_explained_and_kept(self, client, db):
        a_pb_day(db)

        page = client.get("/audit?date_from=last+tuesday&action=vote.opened")

        assert page.status_code == 422
        assert "From must be a date like" in page.text
        assert 'value="last tuesday"' in page.text
        assert '<option value="vote.opened" selected>' in page.text

    def test_a_round_that_does_not_exist_is_a_friendly_404(self, client, db):
        a_pb_day(db)

        page = client.get("/audit?round=424242")

        assert page.status_code == 404
        assert "There is no round 424242" in page.text


class TestStrangeNumbersInTheAddress:
    """Found from outside: superscripts, other scripts' digits and huge numbers in /audit's filters were 500s."""

    NINES = "9" * 5000

    def test_each_is_refused_in_plain_words_never_a_server_error(self, client, db):
        a_pb_day(db)

        for query in ("page=%C2%B2", "page=%D9%A3", "page=9223372036854775807", f"page={self.NINES}",
                      "round=%C2%B2", "round=%D9%A3", "partnership=10000000000000000000000000000000"):
            page = client.get(f"/audit?{query}")

            assert page.status_code == 422, query
            assert "Something went wrong" not in page.text, query

    def test_a_subject_no_entry_can_have_matches_nothing(self, client, db):
        a_pb_day(db)

        for subject in ("round:%C2%B2", "proposal:%D9%A3", f"round:{self.NINES}"):
            page = client.get(f"/audit?subject={subject}")

            assert page.status_code == 200, subject
            assert "No entries match." in page.text, subject

    def test_an_arabic_indic_three_is_not_page_three(self, client, db):
        a_pb_day(db)

        page = client.get("/audit?page=%D9%A3")

        assert page.status_code == 422
        assert "digits 0 to 9" in page.text


class TestPagination:
    def test_fifty_entries_a_page_newest_first_with_links_to_older(self, client, db):
        day = a_published_round(db, voters=60)
        total = len([e for e in log_entries(db) if not e.action.startswith(("staff.", "member."))])

        first = client.get("/audit")
        second = client.get("/audit?page=2")

        first_seqs, second_seqs = seqs_on(first.text), seqs_on(second.text)
        assert len(first_seqs) == 50
        assert first_seqs == sorted(first_seqs, reverse=True)
        assert max(second_seqs) < min(first_seqs)
        assert f"({total} found, page 1 of {-(-total // 50)}" in first.text
        assert 'href="/audit?page=2" rel="next">Older entries' in first.text
        assert 'rel="prev">Newer entries' in second.text
        filtered = entries_on(client.get(f"/audit?round={day.round_id}&role=voter"))
        assert f"/audit?round={day.round_id}&amp;role=voter&amp;page=2" in filtered


class TestAPermalinkPerEntry:
    def test_an_entry_shows_its_hash_and_its_predecessors(self, client, db):
        a_published_round(db)
        entries = log_entries(db)
        published = next(e for e in entries if e.action == "results.published")
        before = entries[published.seq - 2]

        page = client.get(f"/audit/{published.seq}").text

        assert published.hash in page
        assert published.prev_hash == before.hash
        assert before.hash in page
        assert f'href="/audit/{before.seq}"' in page
        assert "A signed checkpoint vouches for the log up to this entry" in page

    def test_an_entry_that_does_not_exist_is_a_friendly_404(self, client, db):
        a_pb_day(db)

        for path in ("/audit/999999", "/audit/0", "/audit/99999999999"):
            page = client.get(path)
            assert page.status_code == 404, path
            assert "There is no public entry" in page.text


class TestHistoryOnEveryPublicObject:
    def test_the_round_page_loads_its_history_with_a_link_that_works_without_javascript(self, client, db):
        day = a_published_round(db)

        page = client.get(f"/rounds/{day.round_id}").text
        history = client.get(f"/audit/history?subject=round:{day.round_id}").text

        assert f'hx-get="/audit/history?subject=round:{day.round_id}"' in page
        assert f'href="/audit?subject=round:{day.round_id}"' in page
        assert "Results published" in history and "Voting opened" in history
        closed = first_entry(db, "vote.closed").seq
        assert f'href="/audit/{closed}"' in history

    def test_a_history_without_a_subject_lists_nothing(self, client, db):
        a_published_round(db)

        assert "Nothing is recorded about this yet." in client.get("/audit/history?subject=").text

    def test_each_proposal_links_to_its_own_history(self, client, db):
        day = a_pb_day(db)
        proposal = day.proposals[0]

        page = client.get(f"/rounds/{day.round_id}").text
        history = entries_on(client.get(f"/audit?subject=proposal:{proposal.id}"))

        assert f'href="/audit?subject=proposal:{proposal.id}"' in page
        assert "Proposal put forward" in history
        assert "(1 found" in history


class TestTakingTheLogAway:
    def test_the_whole_chain_re_walks_to_a_signed_checkpoint_with_the_published_key(self, client, db):
        a_published_round(db)
        key = base64.b64decode(client.get("/api/v1/audit/public-key").json()["public_key"])

        response = client.get("/api/v1/audit")
        lines = jsonl(response)

        assert response.headers["content-type"].startswith("application/jsonl")
        prev = "0" * 64
        for n, line in enumerate(lines, start=1):
            assert line["seq"] == n and line["prev_hash"] == prev
            if not line.get("withheld"):
                assert entry_hash(prev, **{k: line[k] for k in ("seq", "at", "actor_role", "actor_ref", "action",
                                                                "subject", "payload")}) == line["hash"]
            prev = line["hash"]
        with db.session() as session:
            last = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).first()
        assert lines[last.seq - 1]["hash"] == last.hash
        Ed25519PublicKey.from_public_bytes(key).verify(bytes.fromhex(last.signature),
                                                       checkpoint_message(last.seq, last.hash, last.reason))

    def test_staff_trail_entries_keep_their_place_but_not_their_content(self, client, db):
        a_pb_day(db)
        staff_created = first_entry(db, "staff.created")

        line = jsonl(client.get("/api/v1/audit"))[staff_created.seq - 1]

        assert line == {"seq": staff_created.seq, "prev_hash": staff_created.prev_hash, "hash": staff_created.hash,
                        "withheld": True}

    def test_a_rounds_entries_in_log_order_each_checkable_on_its_own(self, client, db):
        day = a_published_round(db)
        with db.session(write=True) as session:
            other = a_round(session, day.partnership, title="Another fund", costs=(5_000,))

        lines = jsonl(client.get(f"/api/v1/audit?round={day.round_id}"))

        assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
        assert {line["action"] for line in lines} >= {"round.created", "proposal.submitted", "vote.opened",
                                                      "ballot.cast", "vote.closed", "results.published"}
        assert all(f"round:{other.id}" not in line["subject"] for line in lines)
        for line in lines:
            fields = {k: line[k] for k in ("seq", "at", "actor_role", "actor_ref", "action", "subject", "payload")}
            assert entry_hash(line["prev_hash"], **fields) == line["hash"]

    def test_an_unknown_round_is_a_problem_not_an_empty_file(self, client, db):
        response = client.get("/api/v1/audit?round=424242")

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    def test_the_public_key_is_the_one_that_signs_every_checkpoint(self, client, db):
        a_published_round(db)

        body = client.get("/api/v1/audit/public-key").json()

        assert set(body) == {"algorithm", "public_key"} and body["algorithm"] == "ed25519"
        with db.session() as session:
            signers = {c.public_key for c in session.exec(select(AuditCheckpoint))}
        assert signers == {base64.b64decode(body["public_key"]).hex()}

    def test_both_are_described_in_openapi(self, client):
        paths = client.get("/openapi.json").json()["paths"]

        assert "get" in paths["/api/v1/audit"] and "get" in paths["/api/v1/audit/public-key"]
        assert "application/jsonl" in paths["/api/v1/audit"]["get"]["responses"]["200"]["content"]
