"""Ballot secrecy against the audit trail: faults 1-3 of issue 10, found from outside, kept as tests.

1. the log must not tie a ballot to a moment;
2. the check page must verify the ballot box against the sealed log, not trust the table;
3. a tracking code must not reveal the ballot (the outside review's brute force is kept here).
"""

import hashlib
import itertools
import json
import re

import sqlalchemy as sa

from core.audit import CLI_ACTOR, canonical_json
from tests.builders import a_pb_day, passes_for
from tests.test_audit_log import tamper
from voting import service as voting_service
from voting.ballots import BallotChoices


def cast(db, round_id, code, choices: BallotChoices) -> str:
    with db.session(write=True) as session:
        return voting_service.cast_ballot(session, round_id=round_id, pass_code=code, choices=choices).tracking_code


def close_and_publish(db, round_id):
    with db.session(write=True) as session:
        voting_service.close_vote(session, CLI_ACTOR, round_id)
    with db.session(write=True) as session:
        voting_service.publish_results(session, CLI_ACTOR, round_id)


def hex_strings(text: str) -> set[str]:
    return set(re.findall(r"[0-9a-f]{64}", text))


class TestTheLogDoesNotTieABallotToAMoment:
    """Fault 1: each ballot.cast entry held a microsecond time and the ballot's tracking code and hash."""

    def test_no_timed_entry_names_a_single_ballot(self, db):
        day = a_pb_day(db)
        codes = passes_for(db, day.round_id, 25)
        tracking = [cast(db, day.round_id, code, BallotChoices(scores={day.proposals[n % 4].id: 1 + n % 5}))
                    for n, code in enumerate(codes)]
        close_and_publish(db, day.round_id)
        with db.session() as session:
            box = session.exec(sa.text("SELECT * FROM voting_ballot")).mappings().all()
            entries = session.exec(sa.text("SELECT action, payload FROM audit_event")).all()
        identifiers = set(tracking) | {str(v) for row in box for k, v in row.items()
                                       if k not in ("round_id", "choices", "batch") and v is not None}

        naming_one = [(action, ident) for action, payload in entries for ident in identifiers if ident in payload
                      and action != "ballots.batched"]

        assert naming_one == []

    def test_a_cast_entry_says_only_that_a_ballot_was_cast(self, db):
        day = a_pb_day(db)
        for code in passes_for(db, day.round_id, 2):
            cast(db, day.round_id, code, BallotChoices(scores={day.proposals[0].id: 3}))
        with db.session() as session:
            payloads = session.exec(sa.text(
                "SELECT payload FROM audit_event WHERE action = 'ballot.cast' ORDER BY seq")).scalars().all()

        assert [json.loads(p) for p in payloads] == [{"ballots": 1}, {"ballots": 2}]


class TestTheCheckPageVerifiesTheSealedBox:
    """Fault 2: after a ballot was altered in the database the check page still said "counted"."""

    def test_an_altered_ballot_makes_the_check_page_say_the_box_does_not_match(self, client, db):
        day = a_pb_day(db)
        tracking = [cast(db, day.round_id, code, BallotChoices(scores={day.proposals[1].id: 2}))
                    for code in passes_for(db, day.round_id, 3)]
        close_and_publish(db, day.round_id)
        tamper(db, "UPDATE voting_ballot SET choices = :c WHERE id = (SELECT MIN(id) FROM voting_ballot)",
               c=canonical_json({"scores": {str(day.proposals[0].id): 5}}))

        page = client.get(f"/rounds/{day.round_id}/check", params={"code": tracking[0]})

        assert "does not match the sealed" in page.text
        assert "counted in the published results" not in page.text

    def test_an_intact_box_is_shown_as_sealed_and_counted(self, client, db):
        day = a_pb_day(db)
        tracking = [cast(db, day.round_id, code, BallotChoices(scores={day.proposals[1].id: 2}))
                    for code in passes_for(db, day.round_id, 3)]
        close_and_publish(db, day.round_id)

        page = client.get(f"/rounds/{day.round_id}/check", params={"code": tracking[2]})

        assert page.status_code == 200
        assert "counted in the published results" in page.text
        assert "The ballot box matches its sealed record" in page.text


class TestATrackingCodeRevealsNothing:
    """Fault 3: the check page showed SHA-256(round, tracking code, choices); given a tracking code, the
    review recovered 50 of 50 ballots from the published .pb lines and 25 of 25 by trying every choice."""

    def candidate_hashes(self, round_id: int, tracking_code: str, choices_json: str) -> set[str]:
        """What an attacker tries: the old fingerprint, and the new leaf shapes without the secret nonce."""
        old = canonical_json({"round": round_id, "tracking_code": tracking_code, "choices": choices_json})
        shapes = [old, f"ballot|{round_id}|{tracking_code}|{choices_json}", f"ballot|{round_id}||{choices_json}",
                  f"receipt|{round_id}|{tracking_code}|{choices_json}"]
        return ({hashlib.sha256(s.encode()).hexdigest() for s in shapes}
                | {hashlib.sha256(b"\x00" + s.encode()).hexdigest() for s in shapes})

    def test_every_published_pb_line_and_every_approval_set_recovers_no_ballot(self, client, db):
        day = a_pb_day(db, ballot="approval", costs=(40_000, 30_000, 20_000, 10_000, 5_000))
        ids = [p.id for p in day.proposals]
        approval_sets = [sorted(s) for n in range(1, 6) for s in itertools.combinations(ids, n)
                         if sum(p.cost for p in day.proposals if p.id in s) <= 100_000]
        codes = passes_for(db, day.round_id, 25)
        tracking = [cast(db, day.round_id, code, BallotChoices(approvals=approval_sets[n % len(approval_sets)]))
                    for n, code in enumerate(codes)]
        close_and_publish(db, day.round_id)
        pb = client.get(f"/rounds/{day.round_id}/results.pb").text
        vote_lines = pb.split("VOTES", 1)[1].splitlines()[2:]
        from_pb = {canonical_json({"approvals": sorted(int(p) for p in line.split(";")[1].split(","))})
                   for line in vote_lines if line.strip()}
        every_set = {canonical_json({"approvals": s}) for s in approval_sets}

        recovered = 0
        for code in tracking:
            shown = hex_strings(client.get(f"/rounds/{day.round_id}/check", params={"code": code}).text)
            assert shown, "the check page shows the receipt's hash"
            if any(shown & self.candidate_hashes(day.round_id, code, c) for c in from_pb | every_set):
                recovered += 1

        assert recovered == 0
