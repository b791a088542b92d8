"""Outcomes pabutools could not produce within the shared file's 10-minute limit, recorded here
once without a limit (see each JSON file for the exact call, version and time). A file holding only a
``lower_bound_s`` records a run that did not finish at all: it gives bench/tally.py a lower bound on
pabutools' time and has no outcome to compare with."""

import json
from pathlib import Path

import pytest

from tests.rules.real_files import load_tally
from voting.rules import count_tally

REFERENCES = [
    path
    for path in sorted((Path(__file__).parent / "references").glob("*.json"))
    if "selected" in json.loads(path.read_text())
]


@pytest.mark.slow
@pytest.mark.parametrize("reference", REFERENCES, ids=[p.stem for p in REFERENCES])
def test_mes_with_completion_funds_what_pabutools_funds(reference):
    recorded = json.loads(reference.read_text())

    outcome = count_tally(load_tally(recorded["file"]), "mes", completion=True)

    assert sorted(outcome.selected) == sorted(recorded["selected"])
