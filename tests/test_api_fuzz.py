"""Schemathesis generates requests, valid and not, from /openapi.json and sends them to the app:
none may get a 500, and every answer must match the published schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.builders import a_pb_day

CHECKS = [schemathesis.checks.not_a_server_error]


def test_no_request_to_the_api_gets_a_server_error(app, db):
    a_pb_day(db)  # a round open for voting, so ballots reach the service and not just a 404
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def send(case):
            case.call_and_validate(checks=CHECKS)

        send()
