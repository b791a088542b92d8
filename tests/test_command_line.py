"""The command line: the same services and audit log as the web app, for operators and scrutiny."""

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core.settings import PROJECT_ROOT
from tests.builders import a_pb_day


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


class TestAnEventRunFromTheCommandLine:
    def test_passes_open_vote_close_publish_and_verify(self, db, database_url):
        day = a_pb_day(db, open_vote=False)

        issued = run_cli(database_url, "passes", "issue", "--round", str(day.round_id), "--count", "3", "--json")
        opened = run_cli(database_url, "round", "open", str(day.round_id))

        assert issued.returncode == 0, issued.stderr
        codes = json.loads(issued.stdout)["passes"]
        assert len(codes) == 3 and len(set(codes)) == 3
        assert opened.returncode == 0, opened.stderr
        from voting import service
        from voting.ballots import BallotChoices

        for code in codes:
            with db.session(write=True) as session:
                service.cast_ballot(session, round_id=day.round_id, pass_code=code,
                                    choices=BallotChoices(scores={day.proposals[3].id: 5}))
        assert run_cli(database_url, "round", "close", str(day.round_id)).returncode == 0
        assert run_cli(database_url, "round", "publish", str(day.round_id)).returncode == 0

        verified = run_cli(database_url, "audit", "verify")

        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("OK: ") and "3 signed checkpoints" in verified.stdout
        with db.session() as session:
            actors = session.exec(sa.text(
                "SELECT DISTINCT actor_ref FROM audit_event WHERE action IN ('vote.opened', 'vote.closed')")).all()
        assert actors == [("cli",)]

    def test_a_step_out_of_order_is_refused_with_a_message(self, db, database_url):
        day = a_pb_day(db, open_vote=False)

        result = run_cli(database_url, "round", "publish", str(day.round_id))

        assert result.returncode == 2
        assert result.stderr.strip() == "error: Results can be published once voting has closed; it is draft."

    def test_verify_fails_naming_the_altered_entry(self, db, database_url):
        a_pb_day(db)
        with db.engine.begin() as conn:
            if db.is_sqlite:
                conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            else:
                conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
            conn.exec_driver_sql("UPDATE audit_event SET subject = 'round:999' WHERE seq = 7")

        result = run_cli(database_url, "audit", "verify", "--database-url", database_url)

        assert result.returncode == 1
        assert result.stderr.startswith("FAILED: entry 7 (")


class TestTheDemo:
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_the_demo_seeds_once_and_verifies(self, database_url):
        first = run_cli(database_url, "demo")
        second = run_cli(database_url, "demo")

        assert first.returncode == 0, first.stderr
        assert "chair" in first.stdout and "demo-chair-pass" in first.stdout
        assert "already there" in second.stdout
        assert run_cli(database_url, "audit", "verify").returncode == 0
