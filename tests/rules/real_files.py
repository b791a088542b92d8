"""The real Pabulib files in /work/shared/pabulib and what pabutools 1.2.3 made of them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from voting import pabulib
from voting.rules import Election, Tally

PABULIB = Path("/work/shared/pabulib")
EXPECTED_FILE = PABULIB / "expected_outcomes.json"


@lru_cache(maxsize=1)
def expected() -> dict:
    return json.loads(EXPECTED_FILE.read_text())["instances"]


def path_of(name: str) -> Path:
    direct = PABULIB / name
    return direct if direct.exists() else PABULIB / "synthetic" / name


@lru_cache(maxsize=4)
def load(name: str) -> pabulib.PabulibFile:
    return pabulib.read(path_of(name))


@lru_cache(maxsize=4)
def load_tally(name: str) -> Tally:
    return load(name).tally()


def load_election(name: str) -> Election:
    return load(name).election()


# Our rule (keyword arguments of count) -> the key under which expected_outcomes.json recorded the
# pabutools call that defines it, per vote type. Ordinal files are not listed: we count rankings as
# points, which pabutools never did in that file, so they are compared with live pabutools instead.
RECORDED = {
    "approval": [
        ("greedy_cost", {"rule": "greedy"}),
        ("greedy_card", {"rule": "greedy", "satisfaction": "cardinality"}),
        ("mes_cost", {"rule": "mes"}),
        ("mes_cost_add1+greedy", {"rule": "mes", "completion": True}),
        ("phragmen", {"rule": "phragmen"}),
    ],
    "points": [
        ("greedy_points_total", {"rule": "greedy"}),
        ("greedy_points", {"rule": "greedy", "satisfaction": "cardinality"}),
        ("mes_points", {"rule": "mes"}),
    ],
}
VOTE_TYPE_GROUP = {"approval": "approval", "choose-1": "approval", "cumulative": "points", "scoring": "points"}


def describe(kwargs: dict) -> str:
    text = kwargs["rule"]
    if kwargs.get("satisfaction", "cost") != "cost":
        text += "-" + kwargs["satisfaction"]
    if kwargs.get("completion"):
        text += "+completion"
    return text
