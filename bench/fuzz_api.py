"""Fuzz every operation of the JSON API with schemathesis, far longer than the suite does.

    .venv/bin/python bench/fuzz_api.py                      # 1,000 examples per operation, SQLite
    .venv/bin/python bench/fuzz_api.py --examples 5000
    .venv/bin/python bench/fuzz_api.py --database-url postgresql://postgres@127.0.0.1/scratch

Requests, valid and not, are generated from /openapi.json and sent to the app in this process,
against a round that is open for voting (so ballots reach the service, not just a 404). For each
operation it prints the examples sent, the answers by status, and the server errors (must be 0).
tests/test_api_fuzz.py is the short version that runs in `make test`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ.setdefault("AUDIT_SIGNING_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def seed(app, passes: int) -> list[int]:
    """A partnership with a round open for voting, four projects and some passes."""
    from core.audit import CLI_ACTOR
    from governance import service as governance_service
    from governance.models import BallotKind, Phase
    from governance.service import BallotSettings
    from proposals import service as proposals_service
    from voting import register
    from voting import service as voting_service

    round_ids = []
    with app.state.db.session(write=True) as session:
        partnership = governance_service.create_partnership(session, CLI_ACTOR, name="Fuzz", slug="fuzz")
        for kind in (BallotKind.scores, BallotKind.approval):
            voting_round = governance_service.create_round(
                session, CLI_ACTOR, partnership_id=partnership.id, title=f"Fuzz {kind}", budget=100_000,
                settings=BallotSettings(ballot_kind=kind), phase=Phase.collaborate)
            for n, cost in enumerate((60_000, 30_000, 20_000, 10_000), start=1):
                proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title=f"Project {n}",
                                               cost=cost)
            voting_service.open_vote(session, CLI_ACTOR, voting_round.id)
            register.issue_passes(session, CLI_ACTOR, round_id=voting_round.id, count=passes)
            round_ids.append(voting_round.id)
    return round_ids


def fuzz_operation(operation, examples: int, round_ids: list[int]) -> dict:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    has_round = "{round_id}" in operation.path

    # Half the examples name a real round, so they reach the service rather than a 404.
    @given(case=operation.as_strategy(), real_round=st.sampled_from([None, *round_ids]))
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def send(case, real_round):
        if has_round and real_round is not None:
            case.path_parameters = {**(case.path_parameters or {}), "round_id": real_round}
        response = case.call()
        statuses[response.status_code] += 1
        if response.status_code >= 500 and len(failures) < 5:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

    send()
    return {"operation": f"{operation.method.upper()} {operation.path}", "examples": sum(statuses.values()),
            "server_errors": sum(n for s, n in statuses.items() if s >= 500),
            "statuses": dict(sorted(statuses.items())), "seconds": round(time.monotonic() - started, 1),
            "first_failures": failures}


def fuzz(app, examples: int, round_ids: list[int]) -> list[dict]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [fuzz_operation(result.ok(), examples, round_ids) for result in schema.get_all_operations()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per operation")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from core.settings import Settings
    from main import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/fuzz.db"
        app = create_app(Settings(database_url=url))
        with TestClient(app):  # runs the migrations
            round_ids = seed(app, passes=200)
            rows = fuzz(app, args.examples, round_ids)
        app.state.db.dispose()

    for row in rows:
        print(f"{row['operation']:<45} {row['examples']:>6} examples  {row['server_errors']} server errors  "
              f"{row['seconds']:>7}s  {json.dumps(row['statuses'])}")
        for failure in row["first_failures"]:
            print(f"    {failure}")
    total_errors = sum(r["server_errors"] for r in rows)
    print(f"{len(rows)} operations, {sum(r['examples'] for r in rows)} examples, {total_errors} server errors")
    return 0 if total_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
