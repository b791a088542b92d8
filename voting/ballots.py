"""What a ballot may contain, checked against the round's settings. No database here."""

from dataclasses import dataclass

from core import i18n
from core.i18n import gettext as _
from core.i18n import ngettext
from governance.models import BallotKind, Round
from proposals.models import Proposal
from voting.errors import InvalidBallot

# What each kind of ballot sends, in the API's words: the message for a ballot of the wrong shape.
SHAPES = {
    BallotKind.approval: "\"approvals\", a list of project ids",
    BallotKind.scores: "\"scores\", an object of project id to score",
    BallotKind.points: "\"points\", an object of project id to points",
    BallotKind.ranking: "\"ranking\", a list of project ids, your first choice first",
}


@dataclass(frozen=True)
class BallotChoices:
    """A voter's choices as sent; exactly one field is set, the one of the round's ballot kind."""

    approvals: list[int] | None = None
    scores: dict[int, int] | None = None
    points: dict[int, int] | None = None
    ranking: list[int] | None = None

    @property
    def kind(self) -> BallotKind | None:
        sent = [kind for kind in BallotKind if getattr(self, _FIELDS[kind]) is not None]
        return sent[0] if len(sent) == 1 else None

    def as_dict(self) -> dict:
        """The choices as the API sends them (used to recognise a retried request)."""
        return {name: (value if isinstance(value, list) else {str(k): v for k, v in value.items()})
                for name in _FIELDS.values() if (value := getattr(self, name)) is not None}


_FIELDS = {BallotKind.approval: "approvals", BallotKind.scores: "scores", BallotKind.points: "points",
           BallotKind.ranking: "ranking"}


def choices_from_content(content: dict) -> BallotChoices:
    """A ballot's canonical content (as validate() returns it) back into choices."""
    if "approvals" in content:
        return BallotChoices(approvals=[int(p) for p in content["approvals"]])
    if "ranking" in content:
        return BallotChoices(ranking=[int(p) for p in content["ranking"]])
    if "points" in content:
        return BallotChoices(points={int(p): int(n) for p, n in content["points"].items()})
    return BallotChoices(scores={int(p): int(s) for p, s in content["scores"].items()})


def _unknown(by_id: dict, ids) -> None:
    unknown = sorted({p for p in ids if p not in by_id})
    if unknown:
        raise InvalidBallot(_("These are not projects on this ballot: %(ids)s.", ids=", ".join(map(str, unknown))))


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(voting_round: Round, projects: list[Proposal], choices: BallotChoices) -> dict:
    """Return the canonical content of a valid ballot, or raise InvalidBallot saying what is wrong."""
    kind = BallotKind(voting_round.ballot_kind)
    if choices.kind != kind:
        raise InvalidBallot(f"This round's ballot is {kind}: send {SHAPES[kind]}.")
    by_id = {p.id: p for p in projects}
    if kind == BallotKind.approval:
        return _approval(voting_round, by_id, choices.approvals)
    if kind == BallotKind.scores:
        return _scores(voting_round, by_id, choices.scores)
    if kind == BallotKind.points:
        return _points(voting_round, by_id, choices.points)
    return _ranking(voting_round, by_id, choices.ranking)


def _approval(voting_round: Round, by_id: dict, picked: list[int]) -> dict:
    _unknown(by_id, picked)
    if len(set(picked)) != len(picked):
        raise InvalidBallot(_("A project was picked more than once."))
    least = max(voting_round.min_picks, 1)
    if len(picked) < least:
        raise InvalidBallot(ngettext("Pick at least %(num)s project.", "Pick at least %(num)s projects.", least))
    if voting_round.max_picks is not None and len(picked) > voting_round.max_picks:
        raise InvalidBallot(_("Too many picks: %(chosen)s chosen, at most %(most)s allowed.", chosen=len(picked),
                              most=voting_round.max_picks))
    total = sum(by_id[p].cost for p in picked)
    if total > voting_round.budget:
        raise InvalidBallot(_("Over budget: your choices cost %(total)s, more than the %(budget)s available.",
                              total=i18n.money(total, voting_round.currency),
                              budget=i18n.money(voting_round.budget, voting_round.currency)))
    return {"approvals": sorted(picked)}


def _scores(voting_round: Round, by_id: dict, scores: dict[int, int]) -> dict:
    _unknown(by_id, scores)
    low, high = voting_round.score_min, voting_round.score_max
    outside = sorted(p for p, s in scores.items() if not (_whole(s) and low <= s <= high))
    if outside:
        names = ", ".join(f"{by_id[p].title} ({scores[p]})" for p in outside)
        raise InvalidBallot(_("Scores must be whole numbers from %(low)s to %(high)s; outside the range: %(projects)s.",
                              low=low, high=high, projects=names))
    if not scores:
        raise InvalidBallot(_("Score at least one project."))
    return {"scores": {str(p): scores[p] for p in sorted(scores)}}


def _points(voting_round: Round, by_id: dict, points: dict[int, int]) -> dict:
    _unknown(by_id, points)
    negative = sorted(p for p, n in points.items() if not (_whole(n) and n >= 0))
    if negative:
        names = ", ".join(f"{by_id[p].title} ({points[p]})" for p in negative)
        raise InvalidBallot(_("Points must be whole numbers, 0 or more: %(projects)s.", projects=names))
    given = {p: n for p, n in points.items() if n > 0}
    total, allowed = sum(given.values()), voting_round.points_total
    if total > allowed:
        raise InvalidBallot(_("Too many points: you gave %(total)s, and you have %(allowed)s to spread. "
                              "Take %(over)s away.", total=total, allowed=allowed, over=total - allowed))
    if not given:
        raise InvalidBallot(_("Give at least one point: you have %(allowed)s to spread.", allowed=allowed))
    # Zero points say nothing, so they are not kept: the ballot box holds only what was given.
    return {"points": {str(p): given[p] for p in sorted(given)}}


def _ranking(voting_round: Round, by_id: dict, ranking: list[int]) -> dict:
    if not all(_whole(p) for p in ranking):
        raise InvalidBallot("\"ranking\" must be a list of project ids (whole numbers).")
    _unknown(by_id, ranking)
    if len(set(ranking)) != len(ranking):
        raise InvalidBallot(_("A project was ranked more than once: give each project one place at most."))
    if not ranking:
        raise InvalidBallot(_("Rank at least one project."))
    depth = min(voting_round.rank_depth, len(by_id))
    if len(ranking) > depth:
        raise InvalidBallot(_("Too many places: you ranked %(ranked)s projects, and at most %(depth)s can be ranked.",
                              ranked=len(ranking), depth=depth))
    return {"ranking": list(ranking)}
