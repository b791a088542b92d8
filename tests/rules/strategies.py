"""Hypothesis strategies: small random elections of every ballot kind.

Project ids are drawn from a pool where string order and number order disagree ("10" < "2"), so that
tie-breaking by id-as-string is exercised. Costs and budgets are small so that pabutools' add1
completion (which raises every voter's share by 1 per run) stays quick.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from voting.rules import Election

IDS = ["1", "2", "10", "11", "a", "B", "b", "x9"]


@st.composite
def elections(draw, kinds=("approval", "scores", "cumulative", "ranking"), max_projects=6, max_voters=8):
    kind = draw(st.sampled_from(kinds))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=max_projects, unique=True))
    cost = st.one_of(
        st.integers(1, 12),
        st.integers(0, 12),
        st.builds(lambda n: Fraction(n, 2), st.integers(1, 24)),
    )
    projects = {pid: draw(cost) for pid in ids}
    budget = draw(st.one_of(st.integers(0, 30), st.builds(lambda n: Fraction(n, 2), st.integers(0, 60))))
    voter = {
        "approval": st.one_of(
            st.sets(st.sampled_from(ids)),
            st.sampled_from(ids).map(lambda p: {p}),  # choose-1
        ),
        "scores": st.dictionaries(st.sampled_from(ids), st.integers(0, 5)),
        "cumulative": st.dictionaries(st.sampled_from(ids), st.integers(1, 4)),
        "ranking": st.permutations(ids).flatmap(lambda perm: st.integers(0, len(perm)).map(lambda k: perm[:k])),
    }[kind]
    ballots = draw(st.lists(voter, min_size=0, max_size=max_voters))
    return Election(budget=budget, projects=projects, kind=kind, ballots=ballots)
