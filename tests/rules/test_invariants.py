"""Properties every count must have, whatever the ballots."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.rules.real_files import load_tally
from tests.rules.strategies import elections
from voting.rules import Election, count, tally
from voting.rules.greedy import total_satisfaction
from voting.rules.mes import FastMES, _prepare, method_of_equal_shares, run_exact

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = [
    {"rule": "greedy"},
    {"rule": "greedy", "satisfaction": "cardinality"},
    {"rule": "greedy-no-skip"},
    {"rule": "mes"},
    {"rule": "mes", "completion": True},
]


def relabel(election: Election, mapping: dict[str, str]) -> Election:
    kind = election.kind
    if kind == "approval":
        ballots = [{mapping[p] for p in b} for b in election.ballots]
    elif kind == "ranking":
        ballots = [[mapping[p] for p in b] for b in election.ballots]
    else:
        ballots = [{mapping[p]: v for p, v in b.items()} for b in election.ballots]
    projects = {mapping[p]: c for p, c in election.projects.items()}
    return Election(budget=election.budget, projects=projects, kind=kind, ballots=ballots)


class TestNeverOverBudget:
    @SETTINGS
    @given(elections(), st.sampled_from(RULES))
    def test_total_cost_within_budget(self, election, kwargs):
        outcome = count(election, **kwargs)
        assert outcome.total_cost <= election.budget
        assert outcome.total_cost == sum(election.projects[p] for p in outcome.selected)
        assert len(set(outcome.selected)) == len(outcome.selected)

    @SETTINGS
    @given(elections(kinds=("approval",)))
    def test_phragmen_too(self, election):
        assert count(election, rule="phragmen").total_cost <= election.budget


class TestRelabelling:
    @SETTINGS
    @given(elections(), st.sampled_from(RULES), st.randoms(use_true_random=False))
    def test_shuffling_the_voters_changes_nothing(self, election, kwargs, rnd):
        shuffled = list(election.ballots)
        rnd.shuffle(shuffled)
        other = Election(budget=election.budget, projects=election.projects, kind=election.kind, ballots=shuffled)
        assert count(other, **kwargs).selected == count(election, **kwargs).selected

    @SETTINGS
    @given(elections(), st.sampled_from(RULES))
    def test_renaming_projects_in_the_same_id_order_renames_the_winners(self, election, kwargs):
        names = sorted(election.projects)
        mapping = {p: f"renamed-{i:03d}" for i, p in enumerate(names)}  # same string order
        renamed = count(relabel(election, mapping), **kwargs).selected
        assert renamed == [mapping[p] for p in count(election, **kwargs).selected]

    @SETTINGS
    @given(elections(), st.randoms(use_true_random=False))
    def test_any_renaming_only_matters_through_ties(self, election, rnd):
        t = tally(election)
        densities = [
            (Fraction(s) / c if c else "infinite") if s > 0 else 0
            for s, c in zip(total_satisfaction(t, "cost"), t.costs, strict=True)
        ]
        assume(len(set(densities)) == len(densities))  # no ties for greedy to break
        names = list(election.projects)
        shuffled = names[:]
        rnd.shuffle(shuffled)
        mapping = dict(zip(names, shuffled, strict=True))
        renamed = count(relabel(election, mapping), rule="greedy").selected
        assert renamed == [mapping[p] for p in count(election, rule="greedy").selected]


class TestMoreSupportNeverHurtsUnderGreedy:
    @SETTINGS
    @given(elections(), st.sampled_from(["cost", "cardinality"]), st.data())
    def test_one_more_vote_for_a_funded_project_keeps_it_funded(self, election, satisfaction, data):
        outcome = count(election, rule="greedy", satisfaction=satisfaction)
        assume(outcome.selected)
        project = data.draw(st.sampled_from(outcome.selected))
        extra = {"approval": {project}, "ranking": [project]}.get(election.kind, {project: 1})
        more = Election(
            budget=election.budget, projects=election.projects, kind=election.kind, ballots=[*election.ballots, extra]
        )
        assert project in count(more, rule="greedy", satisfaction=satisfaction).selected


class TestFloatsNeverDecideACloseCall:
    def test_projects_whose_costs_differ_by_one_part_in_10_to_the_20(self):
        tiny = Fraction(1, 10**20)
        election = Election(
            budget=Fraction(3, 2),
            projects={"a": 1 + tiny, "b": 1},  # as floats both are 1.0, and "a" would win the id tie-break
            kind="approval",
            ballots=[{"a"}, {"b"}, {"a", "b"}],
        )
        assert count(election, rule="greedy", satisfaction="cardinality").selected == ["b"]
        assert count(election, rule="mes", satisfaction="cardinality").selected == ["b"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        elections(max_projects=8, max_voters=60),
        st.sampled_from(["cost", "cardinality"]),
        st.integers(0, 40),
        st.booleans(),
    )
    def test_the_fast_engine_equals_the_exact_engine_round_by_round(self, election, sat, extra_share, compiled):
        t = tally(election)
        assume(t.num_voters)
        sup, start, cands, total = _prepare(t, sat, [])
        share = Fraction(t.budget, t.num_voters) + extra_share
        exact, _ = run_exact(t, {p: sup.exact(p) for p in cands}, start, cands, total, share)
        fast = FastMES(t, sup, start, cands, total, compiled=compiled).run(share)[0]
        assert fast == exact

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(elections(max_projects=8, max_voters=40), st.sampled_from(["cost", "cardinality"]))
    def test_skipping_add1_increments_never_changes_the_outcome(self, election, sat):
        t = tally(election)
        jumping = method_of_equal_shares(t, sat, increment=1, skip=True)
        stepping = method_of_equal_shares(t, sat, increment=1, skip=False)
        assert jumping.selected == stepping.selected

    def test_a_large_random_election_fast_equals_exact(self):
        rnd = random.Random(7)
        projects = {str(i): rnd.choice([100, 200, 250, 300, 400]) for i in range(25)}
        ballots = [set(rnd.sample(sorted(projects), rnd.randint(1, 4))) for _ in range(3000)]
        t = tally(Election(budget=3000, projects=projects, kind="approval", ballots=ballots))
        sup, start, cands, total = _prepare(t, "cost", [])
        for extra in (0, 1, 2, 5):
            share = Fraction(3000, 3000) + extra
            exact, _ = run_exact(t, {p: sup.exact(p) for p in cands}, start, cands, total, share)
            assert FastMES(t, sup, start, cands, total, compiled=False).run(share)[0] == exact
            assert FastMES(t, sup, start, cands, total, compiled=True).run(share)[0] == exact


@st.composite
def tie_prone_elections(draw):
    """Many voters, few costs and overlapping ballots: equal rhos are common, and many voters run out."""
    n_projects = draw(st.integers(3, 7))
    projects = {str(i): draw(st.sampled_from([60, 90, 120, 180])) for i in range(n_projects)}
    shapes = draw(st.lists(st.sets(st.sampled_from(sorted(projects)), min_size=1, max_size=3), min_size=2, max_size=6))
    ballots = [shape for shape in shapes for _ in range(draw(st.integers(1, 30)))]
    budget = draw(st.integers(100, 600))
    return Election(budget=budget, projects=projects, kind="approval", ballots=ballots)


class TestVotersWhoRanOutDoNotBlurACloseCall:
    """A close call between projects whose only capped supporters have nothing left is settled from
    the supporters who still pay, without rebuilding exact budgets; the outcome is the exact one."""

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(tie_prone_elections(), st.sampled_from(["cost", "cardinality"]), st.integers(0, 30), st.booleans())
    def test_the_fast_engine_equals_the_exact_engine(self, election, sat, extra_share, compiled):
        t = tally(election)
        sup, start, cands, total = _prepare(t, sat, [])
        share = Fraction(t.budget, t.num_voters) + extra_share
        exact, _ = run_exact(t, {p: sup.exact(p) for p in cands}, start, cands, total, share)
        assert FastMES(t, sup, start, cands, total, compiled=compiled).run(share)[0] == exact

    def test_a_large_tied_election_uses_the_shortcut_and_stays_exact(self):
        rnd = random.Random(3)
        projects = {str(i): rnd.choice([100, 200, 300]) for i in range(30)}
        shapes = [set(rnd.sample(sorted(projects), rnd.randint(1, 3))) for _ in range(40)]
        ballots = [shape for shape in shapes for _ in range(rnd.choice([5, 10, 20]))]
        t = tally(Election(budget=1500, projects=projects, kind="approval", ballots=ballots))
        sup, start, cands, total = _prepare(t, "cost", [])
        for compiled in (False, True):
            engine = FastMES(t, sup, start, cands, total, compiled=compiled)
            for extra in range(0, 12):
                share = Fraction(1500, t.num_voters) + extra
                exact, _ = run_exact(t, {p: sup.exact(p) for p in cands}, start, cands, total, share)
                assert engine.run(share)[0] == exact
            assert engine.broke_settled > 0


class TestExplanations:
    def election(self, **kw):
        defaults = dict(
            budget=1000,
            projects={"bench": 600, "mural": 500, "pond": 2000, "quiet": 100},
            kind="approval",
            ballots=[{"bench"}, {"bench", "mural"}, {"mural"}, {"bench"}],
        )
        defaults.update(kw)
        return Election(**defaults)

    def test_greedy_says_what_did_not_fit_and_why(self):
        outcome = count(self.election(), rule="greedy", currency="£")
        assert outcome.selected == ["bench", "quiet"]
        assert outcome.projects["mural"].reason == "did not fit the remaining £400"
        assert outcome.projects["pond"].reason == "it costs £2,000, more than the whole budget of £1,000"
        assert outcome.projects["bench"].support == 3 and outcome.projects["bench"].position == 1

    def test_greedy_without_skipping_says_where_it_stopped(self):
        outcome = count(self.election(), rule="greedy-no-skip")
        assert outcome.selected == ["bench"]
        assert "counting stopped here" in outcome.projects["mural"].reason
        assert "counting stopped at project mural" in outcome.projects["quiet"].reason

    def test_equal_shares_says_when_supporters_ran_out(self):
        outcome = count(self.election(), rule="mes", currency="£")
        assert outcome.selected == ["bench"]
        assert outcome.projects["mural"].reason.startswith("its supporters ran out of budget share")
        assert outcome.projects["quiet"].reason == "nobody voted for it"

    def test_points_are_the_support_of_a_ranking(self):
        election = Election(budget=10, projects={"a": 5, "b": 5, "c": 5}, kind="ranking", ballots=[["a", "b", "c"]])
        outcome = count(election)
        assert [outcome.projects[p].support for p in "abc"] == [3, 2, 1]
        assert outcome.selected == ["a", "b"]


class TestTheCompiledRoundsAreThePythonLoop:
    """numba compiles MES's clear-cut rounds for add1 and large files; small ones run the same loop as
    Python. On a real file both give the same winners, round by round, at every share tried."""

    def test_warszawa_ochota_2020_at_several_add1_shares(self):
        t = load_tally("Poland_Warszawa_2020_Ochota.pb")
        sup, start, cands, total = _prepare(t, "cost", [])
        compiled = FastMES(t, sup, start, cands, total, compiled=True)
        python = FastMES(t, sup, start, cands, total, compiled=False)
        for extra in (0, 1, 40, 200, 287):
            share = Fraction(t.budget, t.num_voters) + extra
            trace_compiled: list = []
            trace_python: list = []
            winners = compiled.run(share, trace_compiled)[0]
            assert python.run(share, trace_python)[0] == winners
            assert [step[0] for step in trace_compiled] == [step[0] for step in trace_python]
        assert compiled.evaluated == python.evaluated > 0


@pytest.mark.slow
class TestJumpingOverSharesOnTheHardestFile:
    """pabutools never finished add1 on Budapest 2024 (it needs about 21,700 MES runs), so the jumps are
    checked against our own loop counting MES at every single share."""

    def test_budapest_2024_jumping_funds_what_stepping_funds(self):
        t = load_tally("Hungary_Budapest_2024.pb")
        jumping = method_of_equal_shares(t, "cost", increment=1)
        stepping = method_of_equal_shares(t, "cost", increment=1, skip=False)
        assert jumping.skipped > 10_000 and stepping.skipped == 0
        assert jumping.shares_visited == stepping.shares_visited == stepping.rounds
        assert jumping.selected == stepping.selected
