"""Pabulib files: real quirks are read, broken files are refused with the line, writing round-trips."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from pabutools.election.pabulib import parse_pabulib_from_string

from tests.rules.real_files import PABULIB, expected
from tests.rules.strategies import elections
from voting import pabulib
from voting.rules import Election, count, tally

GOOD = """META
key;value
description;Test round
num_projects;3
num_votes;4
budget;1000,50
vote_type;approval
PROJECTS
project_id;cost;name
1;500;"Benches; and a fountain"
2;400.25;None
10;300;Library
VOTES
voter_id;vote;age
a;1,2;None
b;10;35

c;2,1;40
d;;
"""


def broken(replace: str, by: str) -> str:
    assert replace in GOOD
    return GOOD.replace(replace, by, 1)


class TestReadingWhatRealFilesContain:
    def test_a_plain_file(self):
        pb = pabulib.loads(GOOD)
        assert pb.budget == Fraction(2001, 2)  # "1000,50" with a decimal comma
        assert pb.costs == {"1": 500, "2": Fraction(1601, 4), "10": 300}
        assert pb.projects["1"]["name"] == "Benches; and a fountain"
        assert "name" not in pb.projects["2"]  # None means missing
        assert pb.ballots() == [("1", "2"), ("10",), ("2", "1"), ()]

    def test_byte_order_mark_and_windows_line_ends(self):
        pb = pabulib.loads("\ufeff" + GOOD.replace("\n", "\r\n"))
        assert len(pb.votes) == 4 and pb.budget == Fraction(2001, 2)

    def test_section_names_in_any_case_and_trailing_empty_fields(self):
        text = GOOD.replace("PROJECTS", "projects").replace("b;10;35", "b;10;35;;")
        assert pabulib.loads(text).ballots()[1] == ("10",)

    def test_points_for_cumulative_ballots(self):
        text = (
            GOOD.replace("vote_type;approval", "vote_type;cumulative")
            .replace("voter_id;vote;age", "voter_id;vote;points")
            .replace("a;1,2;None", "a;1,2;3,2")
            .replace("b;10;35", "b;10;5")
            .replace("c;2,1;40", "c;2,1;1,4")
        )
        assert pabulib.loads(text).ballots() == [{"1": 3, "2": 2}, {"10": 5}, {"2": 1, "1": 4}, {}]

    @pytest.mark.parametrize(
        "name", [n for n, i in sorted(expected().items()) if i["num_voters"] <= 10_000 and "Synthetic" not in n]
    )
    def test_every_small_real_file_matches_pabutools_reading_of_it(self, name):
        text = (PABULIB / name).read_text(encoding="utf-8-sig")
        pb = pabulib.loads(text)
        instance, profile = parse_pabulib_from_string(text)
        assert {p.name: p.cost for p in instance} == pb.costs
        assert instance.budget_limit == pb.budget
        assert profile.num_ballots() == len(pb.votes)


class TestBrokenFilesAreRefusedWithTheLine:
    @pytest.mark.parametrize(
        ("text", "line", "problem"),
        [
            (GOOD[: GOOD.index("VOTES")], 12, "VOTES section is missing"),
            (broken("num_votes;4", "num_votes;5"), 13, "num_votes = 5 but the VOTES section has 4"),
            (broken("num_projects;3", "num_projects;2"), 8, "num_projects = 2"),
            (broken("c;2,1;40", "c;2,7;40"), 18, "unknown project '7'"),
            (broken("2;400.25;None", "2;-400;None"), 11, "negative cost"),
            (broken("2;400.25;None", "2;lots;None"), 11, "cost of project 2 is not a number"),
            (broken("budget;1000,50", "budget;-5"), 1, "budget is negative"),
            (broken("budget;1000,50\n", ""), 1, "META has no budget"),
            (broken("vote_type;approval", "vote_type;quadratic"), 1, "unknown vote_type"),
            (broken("10;300;Library", "1;300;Library"), 12, "project 1 is listed twice"),
            (broken("b;10;35", "b;10;35;extra"), 16, "4 fields but the VOTES header has 3"),
        ],
    )
    def test_one_line_error(self, text, line, problem):
        with pytest.raises(pabulib.PabulibError) as caught:
            pabulib.loads(text)
        assert caught.value.line == line
        assert problem in str(caught.value)
        assert "\n" not in str(caught.value)

    def test_points_that_do_not_match_the_votes(self):
        text = (
            GOOD.replace("vote_type;approval", "vote_type;scoring")
            .replace("voter_id;vote;age", "voter_id;vote;points")
            .replace("a;1,2;None", "a;1,2;3")
        )
        with pytest.raises(pabulib.PabulibError, match=r"line 15: 2 projects but 1 points"):
            pabulib.loads(text)

    def test_a_file_that_is_not_utf8(self, tmp_path):
        path = tmp_path / "latin1.pb"
        path.write_bytes(GOOD.replace("Library", "Bibliothèque").encode("latin-1"))
        with pytest.raises(pabulib.PabulibError, match="line 12: not UTF-8"):
            pabulib.read(path)


class TestWritingRoundTrips:
    @pytest.mark.parametrize("name", ["Poland_Warszawa_2017_Goclaw.pb", "Poland_Gdansk_2020_Siedlce.pb"])
    def test_a_real_file_written_back_reads_the_same(self, name):
        pb = pabulib.read(PABULIB / name)
        again = pabulib.loads(pabulib.dumps(pb))
        assert again == pb
        assert again.ballots() == pb.ballots()

    @settings(max_examples=80, deadline=None)
    @given(elections())
    def test_an_exported_round_is_recounted_identically_by_us_and_read_identically_by_pabutools(self, election):
        pb = pabulib.from_election(election, meta={"currency": "GBP", "description": "Ward 3; spring"})
        text = pabulib.dumps(pb)
        back = pabulib.loads(text)
        assert back == pb
        recount = back.election()
        assert recount.budget == election.budget and recount.projects == election.projects
        assert count(recount, rule="mes").selected == count(election, rule="mes").selected
        assert tally(recount).groups == tally(election).groups or sorted(tally(recount).groups) == sorted(
            tally(election).groups
        )
        instance, profile = parse_pabulib_from_string(text)
        assert profile.num_ballots() == len(election.ballots)
        assert {p.name for p in instance} == set(election.projects)

    def test_an_empty_ballot_is_written_and_read_back_as_empty(self):
        election = Election(budget=10, projects={"a": 5}, kind="scores", ballots=[{}, {"a": 3}])
        back = pabulib.loads(pabulib.dumps(pabulib.from_election(election))).election()
        assert back.ballots == [{}, {"a": 3}]
