"""Twenty times in a row the server is killed outright (SIGKILL) while voters are casting, and
restarted; each voter resends with its Idempotency-Key until acknowledged, as the kiosk does.
No acknowledged ballot is lost, none is counted twice, and the audit chain still verifies.
(bench/kill_restart.py does the same a hundred times.)"""

import pytest

from bench.kill_restart import Voter, run
from tests.builders import a_pb_day, passes_for

CYCLES = 20
VOTERS_PER_CYCLE = 3


class TestKilledAgainAndAgainUnderLoad:
    @pytest.mark.timeout(600)
    def test_no_acknowledged_ballot_is_lost_or_doubled_and_the_chain_holds(self, db, database_url):
        day = a_pb_day(db)
        voters = [Voter(code=code, body={"pass": code, "scores": {str(day.proposals[n % 4].id): 1 + n % 5}})
                  for n, code in enumerate(passes_for(db, day.round_id, CYCLES * VOTERS_PER_CYCLE))]

        report = run(database_url, day.round_id, voters, cycles=CYCLES, per_cycle=VOTERS_PER_CYCLE, seed=11)

        assert report.cycles == CYCLES
        assert report.acknowledged == report.voters == report.ballots_in_box == CYCLES * VOTERS_PER_CYCLE
        assert report.acknowledged_between_kills > 0  # the kills came while ballots were being cast
        assert report.lost == 0
        assert report.duplicated == 0
        assert report.audit_verify.startswith("OK"), report.audit_verify
