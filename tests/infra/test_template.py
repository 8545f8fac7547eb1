"""The synthesized template holds what the declarations say — derived from them, never restated."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from docket import topology
from docket.data import schema
from infra import naming
from infra.gateway_responses import GATEWAY_RESPONSES
from infra.stack import DocketStack

pytestmark = pytest.mark.infra


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def test_the_table_is_the_schema_declaration_with_stream_ttl_and_pitr(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [
                {"AttributeName": schema.PRIMARY.partition, "KeyType": "HASH"},
                {"AttributeName": schema.PRIMARY.sort, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": [
                Match.object_like(
                    {
                        "IndexName": index.name,
                        "KeySchema": [
                            {"AttributeName": index.keys.partition, "KeyType": "HASH"},
                            {"AttributeName": index.keys.sort, "KeyType": "RANGE"},
                        ],
                    }
                )
                for index in schema.GLOBAL_INDEXES
            ],
            "StreamSpecification": {"StreamViewType": schema.STREAM_VIEW_TYPE},
            "TimeToLiveSpecification": {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True},
            "Replicas": [
                Match.object_like(
                    {
                        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                        "DeletionProtectionEnabled": True,
                    }
                )
            ],
        },
    )


def test_the_documents_bucket_is_private_encrypted_versioned_and_tls_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": Match.object_like({"ServerSideEncryptionConfiguration": Match.any_value()}),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "CorsConfiguration": Match.object_like({"CorsRules": Match.any_value()}),
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                            )
                        ]
                    )
                }
            )
        },
    )


def test_every_queue_spec_has_a_queue_with_a_dlq_and_a_rule(
    resources: dict[str, Any], template: Template
) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    with_redrive = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(with_redrive) == len(topology.QUEUES)
    for spec in topology.QUEUES:
        [redrive] = [q["Properties"]["RedrivePolicy"] for q in with_redrive]
        assert redrive["maxReceiveCount"] == spec.max_receive_count
    template.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": Match.object_like({"source": [topology.EVENT_SOURCE]})}
    )
    template.resource_count_is("AWS::Events::EventBus", 1)
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"EventSourceArn": Match.any_value(), "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    )


def test_one_function_per_declared_function_on_python312_arm64_with_both_layers(
    resources: dict[str, Any],
) -> None:
    functions = of_type(resources, "AWS::Lambda::Function")
    services = {
        f["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]: f["Properties"]
        for f in functions.values()
        if "POWERTOOLS_SERVICE_NAME" in f["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert set(services) == set(topology.all_function_names())
    for props in services.values():
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "app.handler"
        assert len(props["Layers"]) == 2
        assert props["TracingConfig"] == {"Mode": "Active"}
    assert len(of_type(resources, "AWS::Lambda::LayerVersion")) == 2


def test_every_function_gets_every_setting_but_the_keys_function_which_reads_none(
    resources: dict[str, Any],
) -> None:
    from docket.settings import Settings

    required = {info.alias for info in Settings.model_fields.values() if info.is_required()}
    for function in of_type(resources, "AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if variables.get("POWERTOOLS_SERVICE_NAME") == topology.KEYS:
            # its events (CloudFormation's, Secrets Manager's) name the secret; nothing else is its business
            assert not set(Settings.variable_names().values()) & set(variables)
        elif "POWERTOOLS_SERVICE_NAME" in variables:
            assert required <= set(variables)


def _signing_secret(resources: dict[str, Any]) -> str:
    [logical_id] = [
        name
        for name, r in of_type(resources, "AWS::SecretsManager::Secret").items()
        if "signing key" in r["Properties"]["Description"]
    ]
    return logical_id


def _function(resources: dict[str, Any], service: str) -> str:
    [logical_id] = [
        name
        for name, r in of_type(resources, "AWS::Lambda::Function").items()
        if r["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        == service
    ]
    return logical_id


def test_a_custom_resource_writes_the_key_set_into_the_signing_secret(resources: dict[str, Any]) -> None:
    secret, keys = _signing_secret(resources), _function(resources, topology.KEYS)
    [key_set] = of_type(resources, "Custom::DocketSigningKeySet").values()
    # the Ref orders it after the secret; the function is the keys function
    assert key_set["Properties"]["SecretId"] == {"Ref": secret}
    assert key_set["Properties"]["ServiceToken"] == {"Fn::GetAtt": [keys, "Arn"]}
    # the secret's own value is generated (a placeholder the custom resource replaces), never a literal
    # CloudFormation could write again over a rotated set
    props = resources[secret]["Properties"]
    assert "GenerateSecretString" in props
    assert "SecretString" not in props


def test_the_signing_secret_rotates_every_90_days_with_the_keys_function_after_its_set_exists(
    resources: dict[str, Any],
) -> None:
    secret, keys = _signing_secret(resources), _function(resources, topology.KEYS)
    [schedule] = of_type(resources, "AWS::SecretsManager::RotationSchedule").values()
    assert schedule["Properties"]["SecretId"] == {"Ref": secret}
    assert schedule["Properties"]["RotationLambdaARN"] == {"Fn::GetAtt": [keys, "Arn"]}
    assert schedule["Properties"]["RotationRules"] == {"ScheduleExpression": "rate(90 days)"}
    [key_set] = of_type(resources, "Custom::DocketSigningKeySet")
    assert key_set in schedule["DependsOn"]
    invokers = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "secretsmanager.amazonaws.com"
    ]
    assert [p["FunctionName"] for p in invokers] == [{"Fn::GetAtt": [keys, "Arn"]}]
    # only for this account's secrets (no confused deputy)
    assert [p.get("SourceAccount") for p in invokers] == [{"Ref": "AWS::AccountId"}]


def _statements_of(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_the_keys_function_touches_the_signing_secret_alone_and_only_it_may_write_it(
    resources: dict[str, Any],
) -> None:
    secret, keys = _signing_secret(resources), _function(resources, topology.KEYS)
    keys_role = resources[keys]["Properties"]["Role"]["Fn::GetAtt"][0]
    [log_group] = [
        name
        for name, r in of_type(resources, "AWS::Logs::LogGroup").items()
        if resources[keys]["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": name}
    ]
    for statement in _statements_of(resources, keys_role):
        assert statement["Effect"] == "Allow"
        if statement["Resource"] == "*":
            # no resource-level permissions exist for these; GetRandomPassword reads no secret
            assert _actions(statement) <= {
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "secretsmanager:GetRandomPassword",
            }
        elif statement["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]}:
            assert _actions(statement) == {"logs:CreateLogStream", "logs:PutLogEvents"}
        else:
            assert statement["Resource"] == {"Ref": secret}
            assert _actions(statement) == {
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            }
    # every other function reads the key set at most
    writes = {"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}
    for name in set(topology.all_function_names()) - {topology.KEYS}:
        role = resources[_function(resources, name)]["Properties"]["Role"]["Fn::GetAtt"][0]
        for statement in _statements_of(resources, role):
            assert not (_actions(statement) & writes), (name, statement)
            if statement["Resource"] == {"Ref": secret}:
                assert _actions(statement) <= {
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                }


def _paths(resources: dict[str, Any]) -> dict[str, str]:
    """Logical id of each AWS::ApiGateway::Resource → its full path (parents walked)."""
    api_resources = of_type(resources, "AWS::ApiGateway::Resource")

    def path_of(logical_id: str) -> str:
        props = api_resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = path_of(parent["Ref"]) if isinstance(parent, dict) and "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {logical_id: path_of(logical_id) for logical_id in api_resources}


def test_the_rest_methods_are_exactly_the_topology_with_the_authorizer_where_it_belongs(
    resources: dict[str, Any],
) -> None:
    paths = _paths(resources)
    served = {}
    for method in of_type(resources, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        resource = props["ResourceId"]
        path = paths[resource["Ref"]] if "Ref" in resource else "/"
        served[(path, props["HttpMethod"])] = props["AuthorizationType"]
    expected = {(m.resource, m.method): ("NONE" if m.public else "CUSTOM") for m in topology.api_methods()}
    assert served == expected
    [authorizer] = of_type(resources, "AWS::ApiGateway::Authorizer").values()
    assert authorizer["Properties"]["Type"] == "REQUEST"
    assert authorizer["Properties"]["AuthorizerResultTtlInSeconds"] == 0


def test_the_stage_is_v1_with_access_logs_and_throttling(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": topology.STAGE,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {"ThrottlingRateLimit": Match.any_value(), "ThrottlingBurstLimit": Match.any_value()}
                    )
                ]
            ),
            "TracingEnabled": True,
        },
    )


def test_the_gateway_responses_are_the_declared_ones_with_cors_and_a_bearer_challenge(
    resources: dict[str, Any],
) -> None:
    # the emulator answers from the same declaration (tests/e2e/test_gateway.py checks that side)
    found = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in of_type(resources, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(found) == {response.response_type for response in GATEWAY_RESPONSES}
    for response in GATEWAY_RESPONSES:
        declared = found[response.response_type]
        assert declared["StatusCode"] == str(response.status)
        assert declared["ResponseParameters"] == {
            f"gatewayresponse.header.{name}": f"'{value}'" for name, value in response.headers.items()
        }
        assert f'"code": "{response.code}"' in declared["ResponseTemplates"]["application/json"]
    unauthorized = found["UNAUTHORIZED"]["ResponseParameters"]
    assert unauthorized["gatewayresponse.header.WWW-Authenticate"] == "'Bearer'"
    assert unauthorized["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"


def test_the_websocket_api_has_its_three_routes_and_an_authorized_connect(resources: dict[str, Any]) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in of_type(resources, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == set(topology.WEBSOCKET_ROUTES)
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    [authorizer] = of_type(resources, "AWS::ApiGatewayV2::Authorizer").values()
    # no anonymous connections: API Gateway refuses a $connect without the token itself
    assert authorizer["Properties"]["IdentitySource"] == ["route.request.querystring.token"]
    assert authorizer["Properties"]["IdentitySource"] == list(topology.websocket_identity_sources())
    assert routes["$default"]["RouteResponseSelectionExpression"] == "$default"
    [stage] = of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == topology.STAGE


def test_the_publisher_reads_the_table_stream(resources: dict[str, Any]) -> None:
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping").values()
    stream = [m for m in mappings if "StreamArn" in str(m["Properties"]["EventSourceArn"])]
    assert len(stream) == 1
    assert stream[0]["Properties"]["BisectBatchOnFunctionError"] is True
    assert "DestinationConfig" in stream[0]["Properties"]


def test_outputs_are_named_by_the_naming_constants(template: Template) -> None:
    from infra import naming

    outputs = template.to_json()["Outputs"]
    for name in (
        naming.OUTPUT_REST_API_URL,
        naming.OUTPUT_WEBSOCKET_URL,
        naming.OUTPUT_TABLE_NAME,
        naming.OUTPUT_BUS_NAME,
        naming.OUTPUT_BUCKET_NAME,
    ):
        assert name in outputs


def test_cfn_lint_finds_no_errors(synthesized: tuple[DocketStack, Template, Path]) -> None:
    _, _, template_file = synthesized
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--non-zero-exit-code", "error", str(template_file)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_schedule_entry_becomes_a_scheduler_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.constructs import scheduler
    from tests.infra.conftest import synth

    job = topology.ScheduleSpec(name="nightly-sweep", function="notifier", expression="cron(0 3 * * ? *)")
    monkeypatch.setattr(scheduler, "SCHEDULES", (job,))
    _, _, template = synth(tmp_path)
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(0 3 * * ? *)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": Match.object_like({"Input": '{"job": "nightly-sweep"}'}),
        },
    )


def test_an_unacknowledged_nag_finding_fails_synthesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra import nag
    from tests.infra.conftest import synth

    monkeypatch.setattr(nag, "_ack", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        synth(tmp_path)


def test_each_group_has_one_api_scoped_invoke_permission_not_one_per_method(
    resources: dict[str, Any],
) -> None:
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
        and "RestApi" in str(p["Properties"]["SourceArn"])
    ]
    by_function: dict[str, int] = {}
    for permission in permissions:
        target = str(permission["FunctionName"])
        by_function[target] = by_function.get(target, 0) + 1
    # the REST API's groups (and its authorizer): one each, however many prefixes and methods
    assert len(by_function) == len(topology.API_GROUPS) + 1
    assert set(by_function.values()) == {1}


def test_function_roles_carry_no_aws_managed_policy(resources: dict[str, Any]) -> None:
    for role in of_type(resources, "AWS::IAM::Role").values():
        assert not role["Properties"].get("ManagedPolicyArns"), role


def test_sign_in_providers_reach_the_functions_and_only_auth_reads_their_secrets(tmp_path: Path) -> None:
    from tests.infra.conftest import synth

    provider = {
        "name": "firm-idp",
        "issuer": "https://login.firm.example",
        "clientId": "docket",
        "clientSecretId": "docket/oidc/firm-idp",
    }
    _, _, template = synth(tmp_path, **{naming.CONTEXT_OIDC_PROVIDERS: [provider]})
    resources = template.to_json()["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Lambda::Function"}
    settings = [
        f["Properties"]["Environment"]["Variables"].get("DOCKET_OIDC_PROVIDERS")
        for f in functions.values()
        if f["Properties"]["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME") != topology.KEYS
    ]
    assert all(s is not None and "login.firm.example" in s for s in settings)

    def reads_the_client_secret(policy: dict[str, Any]) -> bool:
        return "docket/oidc/firm-idp" in json.dumps(policy["Properties"]["PolicyDocument"])

    readers = [
        v for v in resources.values() if v["Type"] == "AWS::IAM::Policy" and reads_the_client_secret(v)
    ]
    assert len(readers) == 1
    [role] = readers[0]["Properties"]["Roles"]
    assert "Auth" in role["Ref"]
