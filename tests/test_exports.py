"""Acceptance 1: the demo's certified round exported as CSV, 360Giving and Pabulib. The 360Giving
file validates against the shared schema with no network; pabutools recounts the Pabulib file to
exactly the published winners; the CSV's totals are the results page's."""

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pabutools.election import parse_pabulib
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from main import main
from tests.rules.pabutools_bridge import pabutools_run
from voting import repository as voting_repo
from voting.demo import seed_demo

STANDARD = Path("/work/shared/standards/360giving")
if not STANDARD.exists():  # the standard's copy beside the checkout, wherever it was cloned
    STANDARD = Path(__file__).resolve().parents[2] / "shared" / "standards" / "360giving"


def giving360_validator() -> Draft202012Validator:
    """The package schema refers to the grant schema by its published URL (1.4.2, while the grant
    schema's own $id says 1.4.3): both URLs are mapped to the local copy, so nothing is fetched."""
    package = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    # Its $schema names draft 2020-12 by the http:// address, which referencing does not know.
    grant = Resource(json.loads((STANDARD / "360-giving-schema.json").read_text()), specification=DRAFT202012)
    urls = {package["properties"]["grants"]["items"]["$ref"], grant.contents["$id"]}

    def no_network(uri: str):
        raise LookupError(f"the validator tried to fetch {uri}")

    registry = Registry(retrieve=no_network).with_resources([(url, grant) for url in urls])
    return Draft202012Validator(package, registry=registry, format_checker=FORMATS)


# The schema's dates are `oneOf` a date-time format and a YYYY-MM-DD pattern, so the format must be
# asserted (as the standard's own checker does) or a plain date matches both. jsonschema checks
# date-time only with an optional package installed; RFC 3339's grammar is short enough to state.
FORMATS = FormatChecker(formats=())
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time")
def is_date_time(value) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        return not isinstance(value, str)
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# Fewer simulated ballots than `make run`'s 240, the same story: seeding is most of this test's time.
DEMO_BALLOTS = 60


@pytest.fixture
def demo(db):
    with db.session(write=True) as session:
        seed_demo(session, ballots=DEMO_BALLOTS)
    with db.session() as session:
        outcome = json.loads(voting_repo.result_of(session, 1).outcome)
    return outcome


class TestExportingTheDemosCertifiedRound:
    def test_360giving_validates_pabulib_recounts_and_csv_adds_up(self, db, demo, client, database_url, tmp_path):
        paths = {"csv": tmp_path / "results.csv", "360giving": tmp_path / "grants.json",
                 "pabulib": tmp_path / "round.pb"}
        for fmt, path in paths.items():  # the command line's own code, in this process (a subprocess costs seconds)
            assert main(["export", fmt, "--round", "1", "-o", str(path), "--database-url", database_url]) == 0

        # 360Giving: one grant per funded project, valid against the shared schema.
        package = json.loads(paths["360giving"].read_text())
        errors = sorted(giving360_validator().iter_errors(package), key=str)
        assert errors == []
        assert sorted(g["title"] for g in package["grants"]) == sorted(
            p["title"] for p in demo["projects"] if p["selected"])
        assert sum(g["amountAwarded"] for g in package["grants"]) == demo["total_cost"]
        # ... and the validator is not vacuous: a grant without a recipient or with a UK-style date fails.
        broken = json.loads(json.dumps(package))
        del broken["grants"][0]["recipientOrganization"]
        broken["grants"][1]["awardDate"] = "28/11/2026"
        assert len(list(giving360_validator().iter_errors(broken))) == 2

        # Pabulib: pabutools recounts the exported ballots to exactly the published winners.
        instance, profile = parse_pabulib(str(paths["pabulib"]))
        assert sorted(pabutools_run(instance, profile, "scores", "greedy")) == sorted(str(p) for p in demo["selected"])

        # CSV: the totals row and the per-project rows are what the results page shows.
        rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text())))
        *projects, total = rows
        page = client.get("/rounds/1/results").text
        caption = re.search(r"<caption>(.*?)</caption>", page, re.S).group(1)
        assert f"{total['total_score']} ballots counted" in caption
        assert f"{total['funded']} projects funded" in caption
        assert f"£{int(total['cost']):,} of £100,000 allocated" in caption
        assert sum(int(p["cost"]) for p in projects if p["funded"] == "yes") == int(total["cost"])
        for p in projects:
            assert f"<td>{p['title']}</td>" in page.replace("&#39;", "'")
            assert f"<td>{p['total_score']}</td>" in page

        ballots = list(csv.DictReader(io.StringIO((tmp_path / "results-ballots.csv").read_text())))
        assert len({b["ballot"] for b in ballots}) == demo["ballots"]
        for p in projects:
            assert sum(int(b["score"]) for b in ballots if b["project_id"] == p["project_id"]) == int(p["total_score"])

        # The results page's downloads are the same files.
        for link, path in (("360giving.json", "360giving"), ("results.csv", "csv"), ("results.pb", "pabulib")):
            assert f'href="/rounds/1/{link}"' in page
            download = client.get(f"/rounds/1/{link}")
            assert download.status_code == 200
            assert download.content.replace(b"\r\n", b"\n") == paths[path].read_bytes().replace(b"\r\n", b"\n")
        assert client.get("/rounds/1/ballots.csv").text == (tmp_path / "results-ballots.csv").read_bytes().decode()


class TestASpreadsheetFormulaInATitleIsDefused:
    def test_a_title_starting_with_equals_is_quoted_in_the_csv(self, db, client):
        from core.audit import CLI_ACTOR
        from governance.permissions import actor_for
        from tests.test_certification import a_published_round
        from voting import certification, reconciliation

        day = a_published_round(db, first_title='=HYPERLINK("https://evil.example")')
        with db.session(write=True) as session:
            reconciliation.sign_off(session, CLI_ACTOR, day.round_id, name="Operator")
            certification.certify(session, CLI_ACTOR, day.round_id, name="Operator")
            certification.confirm(session, actor_for(day.officer, "officer"), day.round_id, name="Officer")

        text = client.get(f"/rounds/{day.round_id}/results.csv").text

        assert "'=HYPERLINK" in text
