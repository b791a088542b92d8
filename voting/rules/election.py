"""The in-memory election that every counting rule reads.

An :class:`Election` is what a round looks like once the ballot box is closed: a budget, the
projects with their costs, and the ballots. It is deliberately plain data so the rules stay pure
functions and so anyone can rebuild it from a published Pabulib file.

Ballot kinds
------------
``approval``
    each ballot is a set (or list) of project ids the voter supports; "choose-1" is the special case
    of a single id.
``scores``
    each ballot maps project id -> points given to it (small integers, e.g. 1-5 or 0-10).
``cumulative``
    the same shape as ``scores``; the voter spread a fixed pot of points.
``ranking``
    each ballot is a list of project ids, best first. For counting, a ranking of ``k`` projects is
    turned into points: the first gets ``k`` points, the second ``k - 1`` ... the last gets 1 (a Borda
    count over the ranked projects only; unranked projects get nothing). The ranking is then counted
    exactly like a ``cumulative`` ballot with those points. This is also the ``score`` column that
    Kraków publishes for its three-choice rankings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Rational
from typing import Any

KINDS = ("approval", "scores", "cumulative", "ranking")
POINT_KINDS = ("scores", "cumulative", "ranking")

Number = int | Fraction


def as_number(value: Any, what: str) -> Number:
    """An exact number from an int, a Fraction or a decimal string; floats are refused."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else value
    if isinstance(value, Rational):
        return as_number(Fraction(value.numerator, value.denominator), what)
    if isinstance(value, str):
        try:
            number = Fraction(value.strip().replace(",", "."))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{what} is not a number: {value!r}") from None
        return as_number(number, what)
    if isinstance(value, float):
        raise TypeError(f"{what} must be exact (int, Fraction or decimal string), not the float {value!r}")
    # gmpy2.mpq and friends
    try:
        return as_number(Fraction(str(value)), what)
    except (ValueError, ZeroDivisionError):
        raise TypeError(f"{what} must be a number, not {value!r}") from None


@dataclass
class Election:
    """A closed round: budget, projects (id -> cost), ballot kind and ballots."""

    budget: Number
    projects: dict[str, Number]
    kind: str = "approval"
    ballots: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown ballot kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        self.budget = as_number(self.budget, "the budget")
        if self.budget < 0:
            raise ValueError(f"the budget cannot be negative ({self.budget})")
        projects: dict[str, Number] = {}
        for pid, cost in self.projects.items():
            if not isinstance(pid, str):
                raise TypeError(f"project ids must be strings, not {pid!r}")
            cost = as_number(cost, f"the cost of project {pid}")
            if cost < 0:
                raise ValueError(f"project {pid} has a negative cost ({cost})")
            projects[pid] = cost
        self.projects = projects

    @property
    def num_voters(self) -> int:
        return len(self.ballots)


@dataclass
class Tally:
    """The election reduced to what rules need, voters grouped by identical ballot.

    ``names`` are the project ids in tie-breaking order (ascending as strings, which is what
    pabutools' default lexicographic tie-breaking uses); every other list is indexed like ``names``.
    ``groups`` holds one entry per distinct ballot: ``(weight, ((project_index, points), ...))``; for
    approval ballots the points are 1.
    """

    names: list[str]
    costs: list[Number]
    budget: Number
    kind: str
    groups: list[tuple[int, tuple[tuple[int, Number], ...]]]
    num_voters: int
    support: list[Number]  # votes (approval) or total points (other kinds)
    voters: list[int]  # number of voters who gave the project anything
    # the groups flattened, one entry per (group, project) pair, for vectorised rules
    entry_group: list[int] = field(default_factory=list, repr=False)
    entry_project: list[int] = field(default_factory=list, repr=False)
    entry_points: list[Number] = field(default_factory=list, repr=False)

    @property
    def is_approval(self) -> bool:
        return self.kind == "approval"


def _ballot_items(kind: str, ballot: Any, index: dict[str, int], n: int) -> tuple:
    if kind == "approval":
        if isinstance(ballot, (str, bytes)):
            raise TypeError(f"ballot {n + 1}: an approval ballot is a set or list of ids, not a string")
        items = set()
        for pid in ballot:
            try:
                items.add(index[pid])
            except KeyError:
                raise ValueError(f"ballot {n + 1}: unknown project {pid!r}") from None
        return tuple((i, 1) for i in sorted(items))
    if kind == "ranking":
        if isinstance(ballot, (str, bytes)):
            raise TypeError(f"ballot {n + 1}: a ranking is a list of project ids, not a string")
        ranked = list(ballot)
        k = len(ranked)
        seen: dict[int, int] = {}
        for position, pid in enumerate(ranked):
            try:
                i = index[pid]
            except KeyError:
                raise ValueError(f"ballot {n + 1}: unknown project {pid!r}") from None
            if i in seen:
                raise ValueError(f"ballot {n + 1}: project {pid!r} is ranked twice")
            seen[i] = k - position
        return tuple(sorted(seen.items()))
    # scores / cumulative
    if not hasattr(ballot, "items"):
        raise TypeError(f"ballot {n + 1}: a {kind} ballot maps project id -> points")
    items = {}
    for pid, points in ballot.items():
        try:
            i = index[pid]
        except KeyError:
            raise ValueError(f"ballot {n + 1}: unknown project {pid!r}") from None
        points = as_number(points, f"ballot {n + 1}: the points for {pid}")
        if points:
            items[i] = points
    return tuple(sorted(items.items()))


def _raw_key(kind: str, ballot: Any):
    """A hashable form of a ballot, cheap to compute; equal ballots may still get different keys."""
    if kind in ("scores", "cumulative"):
        return tuple(ballot.items()) if hasattr(ballot, "items") else ballot
    if isinstance(ballot, (tuple, frozenset, str, bytes)):
        return ballot
    if isinstance(ballot, (set, dict)):
        return frozenset(ballot)
    return tuple(ballot)


def tally(election: Election) -> Tally:
    """Group identical ballots and precompute per-project support."""
    kind = election.kind
    raw = Counter(_raw_key(kind, b) for b in election.ballots)
    return tally_from_counts(election, raw)


def tally_from_counts(election: Election, raw: dict) -> Tally:
    """Build the tally from distinct ballots and how many voters cast each."""
    names = sorted(election.projects)
    index = {name: i for i, name in enumerate(names)}
    costs = [election.projects[name] for name in names]
    kind = election.kind
    counter: Counter = Counter()
    for key, weight in raw.items():
        ballot = dict(key) if kind in ("scores", "cumulative") and isinstance(key, tuple) else key
        try:
            counter[_ballot_items(kind, ballot, index, -1)] += weight
        except (TypeError, ValueError) as exc:
            n = next(
                (n for n, b in enumerate(election.ballots) if _raw_key(kind, b) == key),
                -1,
            )
            raise type(exc)(str(exc).replace("ballot 0:", f"ballot {n + 1}:")) from None
    support: list[Number] = [0] * len(names)
    voters = [0] * len(names)
    groups = []
    entry_group: list[int] = []
    entry_project: list[int] = []
    entry_points: list[Number] = []
    for g, (items, weight) in enumerate(counter.items()):
        groups.append((weight, items))
        entry_group.extend([g] * len(items))
        entry_project.extend([i for i, _ in items])
        entry_points.extend([pt for _, pt in items])
        for i, points in items:
            support[i] += weight * points
            voters[i] += weight
    return Tally(
        names=names,
        costs=costs,
        budget=election.budget,
        kind="approval" if kind == "approval" else "points",
        groups=groups,
        num_voters=sum(raw.values()),
        support=support,
        voters=voters,
        entry_group=entry_group,
        entry_project=entry_project,
        entry_points=entry_points,
    )
