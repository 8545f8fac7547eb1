"""The bench's members and invitations scenarios run, and each read is one DynamoDB read (DoD 6):
a member in one BatchGetItem (membership and account), a page of members or invitations in one
Query, whatever the search, sort or filter."""

from __future__ import annotations

from collections import Counter

from docket.settings import Settings
from infra.tools import bench

ONE_READ = {
    "GET /users (list, 6 members)": "dynamodb.Query",
    "GET /users?search= (filtered in the Query)": "dynamodb.Query",
    "GET /users?sortBy=name (one Query, sorted)": "dynamodb.Query",
    "GET /users/{id}": "dynamodb.BatchGetItem",
    "PUT /users/{id} (nothing changes)": "dynamodb.BatchGetItem",
    "GET /invitations (list)": "dynamodb.Query",
}


def test_the_member_scenarios_succeed_and_each_read_is_one_call(aws: Settings) -> None:
    # Given the bench's firm and its scenarios
    protected, public = bench._member_scenarios()
    scenarios = [(name, run) for name, run in protected] + [(name, run) for name, _, run in public]
    assert set(ONE_READ) <= {name for name, _ in scenarios}
    with bench.CallCounter() as counter:
        for name, run in scenarios:
            # When each runs
            with counter.measuring() as taken:
                response = run()
            # Then it succeeds
            assert response["statusCode"] < 300, (name, response["body"])
            if name in ONE_READ:
                # and a read is one call to read (the other is the rate limiter's UpdateItem)
                assert taken.calls == Counter({ONE_READ[name]: 1, "dynamodb.UpdateItem": 1}), name
            else:
                assert "dynamodb.Scan" not in taken.calls, name
