"""A ballot acknowledged is a ballot kept, and a pass votes once: 50 tablets send the same pass at
the same moment to a real server; exactly one ballot is stored, the other 49 get 409."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.builders import a_pb_day, passes_for

PARALLEL_REQUESTS = 50


def send_at_once(url: str, bodies: list[dict]) -> tuple[list[httpx.Response], float]:
    start_line = threading.Barrier(len(bodies))

    def send(body):
        with httpx.Client(timeout=60) as http:
            start_line.wait()
            return http.post(url, json=body)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        responses = list(pool.map(send, bodies))
    return responses, time.perf_counter() - started


class TestOnePassOneBallot:
    def test_fifty_parallel_requests_with_one_pass_store_exactly_one_ballot(self, live_server, db, database_url):
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        bodies = [{"pass": code, "scores": {str(day.proposals[n % 4].id): 1 + n % 5}} for n in range(PARALLEL_REQUESTS)]

        responses, seconds = send_at_once(f"{live_server.url}/api/v1/rounds/{day.round_id}/ballots", bodies)

        statuses = Counter(r.status_code for r in responses)
        print(f"\n[{database_url.split(':')[0]}] {PARALLEL_REQUESTS} parallel requests, one pass: "
              f"{dict(statuses)} in {seconds * 1000:.0f} ms")
        assert statuses == {201: 1, 409: PARALLEL_REQUESTS - 1}
        assert all(r.json()["detail"] == "This pass has already been used." for r in responses if r.status_code == 409)
        turnout = httpx.get(f"{live_server.url}/api/v1/rounds/{day.round_id}/turnout").json()
        assert turnout == {"ballots": 1}

    def test_fifty_parallel_voters_with_their_own_passes_are_all_kept(self, live_server, db, database_url):
        day = a_pb_day(db)
        codes = passes_for(db, day.round_id, PARALLEL_REQUESTS)
        bodies = [{"pass": code, "scores": {str(day.proposals[0].id): 3}} for code in codes]

        responses, seconds = send_at_once(f"{live_server.url}/api/v1/rounds/{day.round_id}/ballots", bodies)

        print(f"\n[{database_url.split(':')[0]}] {PARALLEL_REQUESTS} parallel voters: "
              f"{dict(Counter(r.status_code for r in responses))} in {seconds * 1000:.0f} ms")
        assert [r.status_code for r in responses] == [201] * PARALLEL_REQUESTS
        assert len({r.json()["tracking_code"] for r in responses}) == PARALLEL_REQUESTS
        assert httpx.get(f"{live_server.url}/api/v1/rounds/{day.round_id}/turnout").json() == {
            "ballots": PARALLEL_REQUESTS}

    def test_a_kiosk_retrying_in_parallel_with_one_key_gets_one_receipt(self, live_server, db):
        """A tablet on flaky Wi-Fi resends the same ballot; all copies get the same tracking code."""
        day = a_pb_day(db)
        [code] = passes_for(db, day.round_id)
        body = {"pass": code, "scores": {str(day.proposals[0].id): 4}}
        url = f"{live_server.url}/api/v1/rounds/{day.round_id}/ballots"
        barrier = threading.Barrier(10)

        def send(_):
            with httpx.Client(timeout=60) as http:
                barrier.wait()
                return http.post(url, json=body, headers={"Idempotency-Key": "tablet-3-ballot-88"})

        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(send, range(10)))

        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["tracking_code"] for r in responses}) == 1
