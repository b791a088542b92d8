"""Acceptance 3, from inside: someone holding a copy of the database (and the signing key) changes it;
`audit verify` on that copy catches what the bundle alone could not see."""

import json

import sqlalchemy as sa

from core import audit
from core.audit import CLI_ACTOR
from tests.builders import a_pb_day, passes_for
from tests.test_audit_bundle import a_published_round
from tests.test_ballot_secrecy import cast
from tests.test_command_line import run_cli
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.verification import verify_ballot_box


def with_guards_off(db, *statements: tuple[str, dict]):
    """A database holder switches off the append-only triggers and edits rows directly."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for trigger in ("audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update",
                            "audit_checkpoint_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            conn.exec_driver_sql("ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_append_only")
        for sql, params in statements:
            conn.execute(sa.text(sql), params)


def problem_found(db) -> str | None:
    with db.session() as session:
        report = audit.verify_chain(session, trusted_key=audit.public_key_hex(audit.signing_key()))
        return report.problem if not report.ok else verify_ballot_box(session)


class TestAnIntactDatabaseVerifies:
    def test_from_the_command_line_with_the_witness_file(self, db, database_url):
        a_published_round(db)

        result = run_cli(database_url, "audit", "verify")

        assert result.returncode == 0, result.stderr
        assert "warning" not in result.stderr

    def test_checkpoints_are_append_only_in_the_database(self, db):
        a_pb_day(db)

        for sql in ("UPDATE audit_checkpoint SET reason = 'x'", "DELETE FROM audit_checkpoint"):
            try:
                with db.engine.begin() as conn:
                    conn.execute(sa.text(sql))
            except sa.exc.DatabaseError as refused:
                assert "append-only" in str(refused)
            else:
                raise AssertionError(f"{sql} was allowed")

    def test_an_hour_without_a_checkpoint_gets_one_on_the_next_ballot(self, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        with db.session() as session:
            before = session.exec(sa.text("SELECT COUNT(*) FROM audit_checkpoint")).scalar()
        with_guards_off(db, ("UPDATE audit_checkpoint SET signed_at = '2020-01-01T00:00:00.000000Z'", {}))

        cast(db, day.round_id, code, BallotChoices(scores={day.proposals[0].id: 2}))

        with db.session() as session:
            reasons = session.exec(sa.text("SELECT reason FROM audit_checkpoint ORDER BY seq")).scalars().all()
        assert len(reasons) == before + 1
        assert reasons[-1] == f"hourly while round:{day.round_id} is open"


class TestADatabaseCopyTamperedWithIsCaught:
    def test_ballots_added_after_the_vote_closed(self, db):
        day = a_published_round(db)
        with_guards_off(db, (
            "INSERT INTO voting_ballot (id, round_id, nonce, choices, batch) VALUES ('stuffed', :r, 'n', :c, NULL)",
            {"r": day.round_id, "c": json.dumps({"scores": {str(day.proposals[0].id): 5}})}), (
            "INSERT INTO voting_receipt (tracking_code, round_id, batch) VALUES ('AAAAA-AAAAA', :r, NULL)",
            {"r": day.round_id}))

        assert problem_found(db) == (f"ballot stuffed in round {day.round_id} matches no ballots.batched entry in "
                                     "the log: it was altered or added after the fact")

    def test_a_results_row_edited_after_publication(self, db):
        a_published_round(db)
        with db.session() as session:
            outcome = json.loads(session.exec(sa.text("SELECT outcome FROM voting_result")).scalar_one())
        outcome["selected"] = list(reversed(outcome["selected"]))
        with_guards_off(db, ("UPDATE voting_result SET outcome = :o", {"o": json.dumps(outcome)}))

        assert "the stored result does not match the result published in entry" in problem_found(db)

    def test_history_rewritten_after_deleting_the_checkpoints(self, db):
        """Even with the signing key: new checkpoints are signed, but the witness file outside the
        database still holds the old heads."""
        a_published_round(db)
        with db.session() as session:
            rows = [audit.entry_as_dict(e) for e in session.exec(sa.select(audit.AuditEvent)
                                                                 .order_by(audit.AuditEvent.seq)).scalars()]
            reasons = session.exec(sa.text("SELECT seq, reason FROM audit_checkpoint ORDER BY seq")).all()
        opened = next(r for r in rows if r["action"] == "vote.opened")
        opened["payload"] = opened["payload"].replace('"budget":100000', '"budget":150000')
        prev = rows[opened["seq"] - 2]["hash"]
        for row in rows[opened["seq"] - 1:]:
            row["prev_hash"] = prev
            row["hash"] = prev = audit.entry_hash(prev, **{k: row[k] for k in (
                "seq", "at", "actor_role", "actor_ref", "action", "subject", "payload")})
        key = audit.signing_key()
        origin = audit.log_origin(rows[0]["hash"])
        statements = [("DELETE FROM audit_checkpoint", {})]
        statements += [("UPDATE audit_event SET payload = :payload, prev_hash = :prev_hash, hash = :hash "
                         "WHERE seq = :seq", row) for row in rows[opened["seq"] - 1:]]
        statements += [("UPDATE audit_head SET hash = :h", {"h": prev})]
        for seq, reason in reasons:
            digest = rows[seq - 1]["hash"]
            statements.append(("INSERT INTO audit_checkpoint (seq, hash, reason, signed_at, public_key, signature, "
                               "note) VALUES (:s, :h, :r, 'now', :k, '', :n)",
                               {"s": seq, "h": digest, "r": reason, "k": audit.public_key_hex(key),
                                "n": audit.sign_note(audit.note_body(origin, seq, digest, reason), key)}))
        with_guards_off(db, *statements)

        with db.session() as session:
            without_witness = audit.verify_chain(session, audit.public_key_hex(key), use_witness=False)
        assert without_witness.ok  # the rewrite is perfect as far as the database can tell ...
        assert problem_found(db) == (f"entry {reasons[0][0]} does not match the checkpoint the witness file holds "
                                     "for it: history was rewritten")  # ... but not to the witness

    def test_the_tail_of_the_log_cut_off(self, db):
        day = a_published_round(db)
        with db.session() as session:
            last = session.exec(sa.text("SELECT MAX(seq) FROM audit_event")).scalar()
            kept = session.exec(sa.text("SELECT hash FROM audit_event WHERE seq = :s").bindparams(s=last - 1)).scalar()
        with_guards_off(db, ("DELETE FROM audit_event WHERE seq = :s", {"s": last}),
                        ("DELETE FROM audit_checkpoint WHERE seq = :s", {"s": last}),
                        ("UPDATE audit_head SET seq = :s, hash = :h", {"s": last - 1, "h": kept}),
                        ("UPDATE governance_round SET vote_status = 'closed' WHERE id = :r", {"r": day.round_id}))

        assert problem_found(db) == (f"the witness file holds a checkpoint at entry {last} but the log ends at entry "
                                     f"{last - 1}: the tail of the log was cut off")

    def test_spent_passes_made_usable_again(self, db):
        day = a_published_round(db)
        with_guards_off(db, ("DELETE FROM voting_pass_use", {}))

        assert problem_found(db) == (f"round {day.round_id}: 45 ballot(s) were cast but 0 pass(es) are marked spent: "
                                     "spent passes were made usable again, or passes were spent without a ballot")

    def test_a_pass_made_usable_again_cannot_vote_twice_unnoticed(self, db):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        cast(db, day.round_id, code, BallotChoices(scores={day.proposals[0].id: 2}))
        with_guards_off(db, ("DELETE FROM voting_pass_use", {}))
        cast(db, day.round_id, code, BallotChoices(scores={day.proposals[0].id: 2}))
        with db.session(write=True) as session:
            voting_service.close_vote(session, CLI_ACTOR, day.round_id)

        assert problem_found(db) == (f"round {day.round_id}: 2 ballot(s) were cast but 1 pass(es) are marked spent: "
                                     "spent passes were made usable again, or passes were spent without a ballot")
