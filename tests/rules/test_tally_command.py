"""``main.py tally FILE.pb``: anyone can recount a published round from the command line."""

from __future__ import annotations

import json

import pytest

from tests.rules.real_files import PABULIB, expected
from voting.tally_command import run

ASSEN = str(PABULIB / "Netherlands_Assen_2024.pb")


def tally(capsys, *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestJsonOutput:
    @pytest.mark.parametrize(
        ("argv", "key"),
        [
            (["--rule", "greedy"], "greedy_cost"),
            (["--rule", "greedy", "--satisfaction", "cardinality"], "greedy_card"),
            (["--rule", "mes"], "mes_cost"),
            (["--rule", "mes", "--completion"], "mes_cost_add1+greedy"),
            (["--rule", "phragmen"], "phragmen"),
        ],
    )
    def test_prints_the_rule_the_sorted_winners_and_the_total(self, capsys, argv, key):
        code, out, err = tally(capsys, ASSEN, *argv, "--json")
        record = expected()["Netherlands_Assen_2024.pb"]["rules"][key]
        assert code == 0 and err == ""
        assert json.loads(out) == {
            "rule": argv[1],
            "selected": record["selected"],  # pabutools' natural sort: "2" before "11"
            "total_cost": record["total_cost"],
        }

    def test_greedy_without_skipping_stops_at_the_first_misfit(self, capsys):
        code, out, _ = tally(capsys, str(PABULIB / "Poland_Gdynia_2020.pb"), "--rule", "greedy-no-skip", "--json")
        assert code == 0
        assert set(json.loads(out)["selected"]) == set(expected()["Poland_Gdynia_2020.pb"]["real_selected"])

    def test_without_json_a_readable_table(self, capsys):
        code, out, _ = tally(capsys, ASSEN, "--rule", "mes")
        assert code == 0 and "projects funded" in out and "EUR" in out


class TestRefusals:
    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            (lambda s: s[: s.index("VOTES")], "VOTES section is missing"),
            (lambda s: s.replace("num_votes;84", "num_votes;85"), "num_votes = 85"),
            (lambda s: s.replace("\n1;40000;", "\n1;-40000;", 1), "negative cost"),
            (lambda s: s.replace(";8,9\n", ";8,99\n", 1), "unknown project '99'"),
        ],
    )
    def test_a_broken_file_gives_one_line_with_the_line_number_and_exit_code_2(self, capsys, tmp_path, edit, message):
        text = (PABULIB / "Netherlands_Assen_2024.pb").read_text(encoding="utf-8")
        broken = edit(text)
        assert broken != text
        path = tmp_path / "broken.pb"
        path.write_text(broken, encoding="utf-8")
        code, out, err = tally(capsys, str(path), "--rule", "greedy", "--json")
        assert code == 2 and out == ""
        assert message in err and "line " in err and err.count("\n") == 1

    def test_a_missing_file(self, capsys, tmp_path):
        code, _, err = tally(capsys, str(tmp_path / "nope.pb"), "--json")
        assert code == 2 and "cannot read" in err

    def test_phragmen_needs_approval_ballots(self, capsys):
        code, _, err = tally(capsys, str(PABULIB / "Switzerland_Zurich_D10.pb"), "--rule", "phragmen", "--json")
        assert code == 2 and "approval" in err

    def test_completion_is_for_mes(self, capsys):
        code, _, err = tally(capsys, ASSEN, "--rule", "greedy", "--completion", "--json")
        assert code == 2 and "--completion" in err

    def test_an_unknown_rule(self, capsys):
        code, _, err = tally(capsys, ASSEN, "--rule", "borda", "--json")
        assert code == 2 and "invalid choice" in err
