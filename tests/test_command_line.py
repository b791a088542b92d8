"""The command line: the same services and audit log as the web app, for operators and scrutiny."""

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core.audit import CLI_ACTOR
from core.database import Database
from core.settings import PROJECT_ROOT
from delivery import links
from tests.builders import a_pb_day, passes_for


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
        # One working link for a demo grant's recipient organisation, printed once.
        token = first.stdout.split("/recipient/")[1].split()[0]
        db = Database(database_url)
        with db.session() as session:
            _, grant = links.open_link(session, token)
            assert grant.title == "Action Station"
        db.dispose()
        assert "/recipient/" not in second.stdout


class TestRecountingAPublishedRound:
    """A scrutiny member downloads the anonymised ballots and recounts them elsewhere."""

    def publish_a_round(self, db, **options):
        from voting import service
        from voting.ballots import BallotChoices

        day = a_pb_day(db, **options)
        codes = passes_for(db, day.round_id, 9)
        ids = [p.id for p in day.proposals]
        for n, code in enumerate(codes):
            choices = (BallotChoices(approvals=[ids[n % 4], ids[(n + 1) % 4]] if n % 3 else [ids[3]])
                       if options.get("ballot") == "approval" else
                       BallotChoices(scores={ids[0]: 1 + n % 5, ids[1]: 5 - n % 5, ids[2]: 3}))
            with db.session(write=True) as session:
                service.cast_ballot(session, round_id=day.round_id, pass_code=code, choices=choices)
        with db.session(write=True) as session:
            service.close_vote(session, CLI_ACTOR, day.round_id)
            result = service.publish_results(session, CLI_ACTOR, day.round_id)
        return day, [str(p) for p in json.loads(result.outcome)["selected"]]

    @pytest.mark.parametrize("options, tally_args", [
        ({"ballot": "scores"}, ["--rule", "greedy"]),
        ({"ballot": "approval", "costs": (50_000, 40_000, 30_000, 20_000)}, ["--rule", "greedy"]),
        ({"ballot": "approval", "rule": "mes", "costs": (50_000, 40_000, 30_000, 20_000)},
         ["--rule", "mes", "--completion"]),
    ])
    def test_the_exported_file_recounts_to_the_published_winners(self, db, database_url, tmp_path, options,
                                                                  tally_args):
        day, published = self.publish_a_round(db, **options)
        path = tmp_path / "round.pb"

        exported = run_cli(database_url, "export", "pabulib", "--round", str(day.round_id), "-o", str(path))
        recount = run_cli(database_url, "tally", str(path), *tally_args, "--json")

        assert exported.returncode == 0, exported.stderr
        assert recount.returncode == 0, recount.stderr
        assert sorted(json.loads(recount.stdout)["selected"]) == sorted(published)
        assert "voter_id;vote" in path.read_text()

    def test_pabutools_recounts_an_approval_round_to_the_same_winners(self, db, client, tmp_path):
        from pabutools.election import Cost_Sat, parse_pabulib
        from pabutools.rules import greedy_utilitarian_welfare

        day, published = self.publish_a_round(db, ballot="approval", costs=(50_000, 40_000, 30_000, 20_000))
        download = client.get(f"/rounds/{day.round_id}/results.pb")
        path = tmp_path / "download.pb"
        path.write_text(download.text)

        instance, profile = parse_pabulib(str(path))
        winners = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)

        assert download.headers["content-disposition"] == f'attachment; filename="round-{day.round_id}.pb"'
        assert sorted(p.name for p in winners) == sorted(published)

    def test_ballots_are_not_published_before_the_results(self, db, client):
        day = a_pb_day(db)

        assert client.get(f"/rounds/{day.round_id}/results.pb").status_code == 409


class TestServe:
    @pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
    def test_several_workers_on_sqlite_are_refused_with_the_reason(self, database_url):
        result = run_cli(database_url, "serve", "--workers", "2")

        assert result.returncode == 2
        assert "several workers need PostgreSQL" in result.stderr
