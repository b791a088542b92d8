"""Do our rules reproduce what cities actually funded?

Pabulib files record the real winners (the ``selected`` column) for some rounds. Where the city used plain
greedy (or greedy without skipping) our greedy must give exactly those winners. Other real rules are
reported for information: "greedy-threshold" rounds first exclude projects below a vote threshold,
"greedy-exclusive" and "greedy-custom" add local conditions, and "equalshares/add1-comparison" picks
between MES and greedy by a popularity comparison; none of those is one of our rules.

Run ``.venv/bin/python -m tests.rules.test_real_winners`` for the full table.
"""

from __future__ import annotations

import pytest

from tests.rules.real_files import expected, load_tally
from voting.rules import count_tally
from voting.rules.mes import method_of_equal_shares

BIG = 10_000


def _with_real_winners(rules: tuple[str, ...]):
    for name, info in sorted(expected().items()):
        if info["rule_in_file"] in rules and info["real_selected"] is not None:
            marks = [pytest.mark.slow] if info["num_voters"] > BIG else []
            yield pytest.param(name, info["rule_in_file"], marks=marks, id=name[:-3])


class TestGreedyReproducesTheRealWinners:
    @pytest.mark.parametrize(("name", "rule"), list(_with_real_winners(("greedy", "greedy-no-skip"))))
    def test_same_projects_as_the_city_funded(self, name, rule):
        outcome = count_tally(load_tally(name), rule=rule)
        assert set(outcome.selected) == set(expected()[name]["real_selected"])

    def test_every_plain_greedy_file_with_a_recorded_outcome_is_reproduced(self):
        checked = [p.values[0] for p in _with_real_winners(("greedy",))]
        assert len(checked) == 6  # the other nine greedy files carry no selected column
        small = [n for n in checked if expected()[n]["num_voters"] <= BIG]
        for name in small:
            assert set(count_tally(load_tally(name), rule="greedy").selected) == set(expected()[name]["real_selected"])


class TestEqualSharesReproducesTheRealWinners:
    def test_swiecie_2023_is_mes_add1_then_greedy(self):
        name = "Poland_Swiecie_2023.pb"
        outcome = count_tally(load_tally(name), rule="mes", completion=True)
        assert set(outcome.selected) == set(expected()[name]["real_selected"])

    def test_assen_2024_is_mes_add1_without_the_greedy_step(self):
        name = "Netherlands_Assen_2024.pb"
        t = load_tally(name)
        add1 = method_of_equal_shares(t, "cost", increment=1)
        assert {t.names[i] for i in add1.selected} == set(expected()[name]["real_selected"])


def report() -> list[tuple[str, str, int, str]]:
    """(file, real rule, number of real winners, which of our rules give exactly those winners)."""
    rows = []
    ours = {
        "greedy": {"rule": "greedy"},
        "greedy-no-skip": {"rule": "greedy-no-skip"},
        "mes": {"rule": "mes"},
        "mes+completion": {"rule": "mes", "completion": True},
    }
    for name, info in sorted(expected().items()):
        real = info["real_selected"]
        if real is None:
            if info["rule_in_file"] == "greedy":
                rows.append((name, "greedy", 0, "no selected column in the file"))
            continue
        t = load_tally(name)
        matching = []
        for label, kwargs in ours.items():
            if kwargs.get("completion") and name.startswith(("Hungary", "Poland_Warszawa_2026.pb")):
                continue  # add1 on these takes minutes; not a rule they used
            if set(count_tally(t, **kwargs).selected) == set(real):
                matching.append(label)
        rows.append((name, info["rule_in_file"], len(real), ", ".join(matching) or "none"))
    return rows


if __name__ == "__main__":
    for name, rule, n, matching in report():
        print(f"{name[:-3]:<58} {rule:<28} {n:>3}  {matching}")
