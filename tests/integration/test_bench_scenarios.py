"""`make bench`'s scenarios, built in one embedded AWS in the order the bench builds them: every
function has a cold-start scenario and answers it as the scenario expects (here in process; the
bench records it in a fresh interpreter, then replays it), and the AWS-calls scenarios built after
them in the same account all succeed."""

from __future__ import annotations

import copy

import boto3

from docket.settings import Settings
from docket.topology import all_function_names
from infra.local.invoke import LocalContext
from infra.tools import bench, coldstart, scenarios
from infra.tools.functions import load


def test_every_function_answers_its_cold_start_scenario(aws: Settings) -> None:
    with coldstart.custom_resource_answers() as response_url:
        # Given the cold-start scenarios, built as the bench builds them
        built = scenarios.cold_start_scenarios(response_url)
        # Then there is one for every function
        assert list(built) == list(all_function_names())
        for function, scenario in built.items():
            # When the function gets its first request
            result = load(function).handler(copy.deepcopy(scenario.event), LocalContext(function))
            # Then it answers as the scenario expects
            assert scenario.expect(result), (function, scenario.description, result)
    # and the export workers wrote the files their queued events asked for
    stored = boto3.client("s3").list_objects_v2(Bucket=aws.documents_bucket).get("Contents", [])
    keys = [str(o["Key"]) for o in stored]
    assert any("/exports/audit/" in key for key in keys), keys
    assert any("/exports/personal-data/" in key for key in keys), keys


def test_the_aws_calls_scenarios_succeed_after_the_cold_start_ones(aws: Settings) -> None:
    # Given the cold-start scenarios' data in the account (the bench builds those first)
    with coldstart.custom_resource_answers() as response_url:
        scenarios.cold_start_scenarios(response_url)
    # When the AWS-calls section runs its scenarios (it raises on any answer of 400 or more)
    rows = bench.aws_calls_per_request()
    # Then every scenario ran once, the administration and audit routes among them
    names = [row.name for row in rows]
    assert len(names) == len(set(names))
    assert {"GET /admin/users (cursor page, 50)", "GET /audit-logs (list, 20)"} <= set(names)
