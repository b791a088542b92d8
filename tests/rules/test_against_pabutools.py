"""Random small elections of every ballot kind, counted by us and by live pabutools 1.2.3.

Whatever the ballots, costs, ties and budget, our winners are pabutools' winners.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rules.pabutools_bridge import pabutools_outcome
from tests.rules.strategies import elections
from voting.rules import count

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestGreedyAgreesWithPabutools:
    @SETTINGS
    @given(elections(), st.sampled_from(["cost", "cardinality"]))
    def test_same_projects_in_the_same_order(self, election, satisfaction):
        ours = count(election, rule="greedy", satisfaction=satisfaction)
        assert ours.selected == pabutools_outcome(election, "greedy", satisfaction)


class TestEqualSharesAgreesWithPabutools:
    @SETTINGS
    @given(elections(), st.sampled_from(["cost", "cardinality"]))
    def test_same_projects(self, election, satisfaction):
        ours = count(election, rule="mes", satisfaction=satisfaction)
        assert sorted(ours.selected) == sorted(pabutools_outcome(election, "mes", satisfaction))

    @SETTINGS
    @given(elections(max_voters=6))
    def test_with_add1_completion_same_projects(self, election):
        ours = count(election, rule="mes", completion=True)
        assert sorted(ours.selected) == sorted(pabutools_outcome(election, "mes", completion=True))

    @settings(max_examples=60, deadline=None)
    @given(elections(kinds=("approval",), max_voters=6))
    def test_with_cardinality_completion_same_projects(self, election):
        ours = count(election, rule="mes", satisfaction="cardinality", completion=True)
        theirs = pabutools_outcome(election, "mes", "cardinality", completion=True)
        assert sorted(ours.selected) == sorted(theirs)


class TestPhragmenAgreesWithPabutools:
    @SETTINGS
    @given(elections(kinds=("approval",)))
    def test_same_projects(self, election):
        ours = count(election, rule="phragmen")
        assert sorted(ours.selected) == sorted(pabutools_outcome(election, "phragmen"))
