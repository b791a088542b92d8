"""Every real Pabulib file, every rule that applies to its vote type: we fund what pabutools funds.

Large files (more than 10,000 voters) and the few comparisons that take us more than a few seconds are
marked ``slow`` (``make test-slow``). For files pabutools already counted, its recorded outcome in
expected_outcomes.json is the reference; otherwise (rankings counted as points, points with completion,
Phragmén on the large files) pabutools is run live.
"""

from __future__ import annotations

import pytest

from tests.rules.pabutools_bridge import pabutools_outcome
from tests.rules.real_files import RECORDED, VOTE_TYPE_GROUP, describe, expected, load_election, load_tally
from voting.rules import count_tally

BIG = 10_000


def _recorded_cases():
    for name, info in sorted(expected().items()):
        group = VOTE_TYPE_GROUP.get(info["vote_type"])
        for key, kwargs in RECORDED.get(group, []):
            record = info["rules"].get(key)
            if not record or record["status"] != "ok":
                continue
            slow = info["num_voters"] > BIG or (kwargs.get("completion") and record["wall_s"] > 60)
            marks = [pytest.mark.slow] if slow else []
            yield pytest.param(name, key, kwargs, marks=marks, id=f"{name[:-3]}-{describe(kwargs)}")


def _live_cases():
    """Comparisons nobody recorded: run pabutools now."""
    for name, info in sorted(expected().items()):
        vote_type, voters = info["vote_type"], info["num_voters"]
        rules: list[dict] = []
        if vote_type == "ordinal":
            rules = [
                {"rule": "greedy"},
                {"rule": "greedy", "satisfaction": "cardinality"},
                {"rule": "mes"},
                {"rule": "mes", "completion": True},
            ]
        elif vote_type in ("cumulative", "scoring"):
            rules = [{"rule": "mes", "completion": True}]
        elif "phragmen" not in info["rules"]:
            rules = [{"rule": "phragmen"}]
        for kwargs in rules:
            if kwargs.get("completion"):
                add1 = info["rules"].get("mes_cost_add1", {})
                if add1.get("status") != "ok" or add1["wall_s"] > 300:
                    continue  # pabutools could not finish add1 on this file in 10 minutes
                slow = voters > 300
            else:
                slow = voters > 2_000
            marks = [pytest.mark.slow] if slow else []
            yield pytest.param(name, kwargs, marks=marks, id=f"{name[:-3]}-{describe(kwargs)}-live")


class TestRecordedPabutoolsOutcomes:
    @pytest.mark.parametrize(("name", "key", "kwargs"), list(_recorded_cases()))
    def test_we_fund_the_same_projects(self, name, key, kwargs):
        record = expected()[name]["rules"][key]
        outcome = count_tally(load_tally(name), **kwargs)
        assert sorted(outcome.selected) == sorted(record["selected"])
        assert outcome.total_cost == record["total_cost"]

    @pytest.mark.parametrize(
        ("name", "key", "kwargs"),
        [p for p in _recorded_cases() if p.values[2]["rule"] == "greedy"],
    )
    def test_greedy_funds_them_in_the_same_order(self, name, key, kwargs):
        outcome = count_tally(load_tally(name), **kwargs)
        assert outcome.selected == expected()[name]["rules"][key]["order"]


class TestLivePabutoolsOnWhatWasNotRecorded:
    @pytest.mark.parametrize(("name", "kwargs"), list(_live_cases()))
    def test_we_fund_the_same_projects(self, name, kwargs):
        election = load_election(name)
        ours = count_tally(load_tally(name), **kwargs)
        theirs = pabutools_outcome(
            election, kwargs["rule"], kwargs.get("satisfaction", "cost"), kwargs.get("completion", False)
        )
        assert sorted(ours.selected) == sorted(theirs)


class TestParsingAgreesWithPabutools:
    @pytest.mark.parametrize(
        "name",
        [
            pytest.param(n, marks=[pytest.mark.slow] if i["num_voters"] > BIG else [])
            for n, i in sorted(expected().items())
        ],
    )
    def test_same_number_of_voters_and_projects(self, name):
        info = expected()[name]
        t = load_tally(name)
        assert t.num_voters == info["num_voters"]
        assert len(t.names) == info["num_projects"]
